// The project's native kernels (native/src, built at install by native/build.mjs), loaded once.
// Their absence is an expected outcome with a reason (no compiler, a failed build), never an error.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** out[b] = op(a[b % batchA]) x op(b[b % batchB]) (+ bias over columns); op transposes when asked. */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean, batchA: number, batchB: number, bias: Float32Array | null): void;
  /** "avx512" | "avx2" | "generic" | "" (the widest this CPU has); returns the one in use. */
  useIsa(name: string): string;
  /** out (contiguous, `shape`) = the view of `input` at `offset` with one stride per dimension. */
  copy(input: Float32Array, offset: number, strides: Int32Array, shape: Int32Array, out: Float32Array): void;
  /** out = a op b over two views broadcast to `shape` (stride 0 where a view broadcasts); op 0 add, 1 sub, 2 mul, 3 div, 4 max. */
  binary(op: number, a: Float32Array, aOffset: number, aStrides: Int32Array, b: Float32Array, bOffset: number, bStrides: Int32Array, shape: Int32Array, out: Float32Array): void;
  /** out[o][i] = scale * sum over m of input[o][m][i]. */
  reduce(input: Float32Array, outer: number, middle: number, inner: number, out: Float32Array, scale: number): void;
  /** Softmax of every row of input[rows][cols]. */
  softmax(input: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /** out[r] = table[ids[r]] (rows of `width`); throws when an id is outside the table. */
  gather(table: Float32Array, tableRows: number, width: number, ids: Int32Array, out: Float32Array): void;
  /** out[r] = masked mean of table rows ids[r][*] (zeros for an empty row). */
  bagMean(table: Float32Array, tableRows: number, width: number, ids: Int32Array, mask: Float32Array, rows: number, tokens: number, out: Float32Array): void;
  /** grad[ids[r][t]] += dy[r] / count(r) for every masked-in token (grad zeroed by the caller). */
  bagMeanGrad(dy: Float32Array, width: number, ids: Int32Array, mask: Float32Array, rows: number, tokens: number, grad: Float32Array): void;
  /** op 0 exp, 1 erf (TF.js's approximation), 2 square, 3 rsqrt, 4 sqrt, 5 tanh, 6 log, 7 neg. */
  unary(op: number, input: Float32Array, out: Float32Array): void;
  /** out[offsets[i] + c] += updates[i * sliceSize + c]: ScatterNd into a zeroed out. */
  scatterAdd(updates: Float32Array, offsets: Float64Array, sliceSize: number, out: Float32Array): void;
  /** One AdamW update of a parameter array: new parameters and moments into the three out arrays. */
  adamw(param: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, paramOut: Float32Array, mOut: Float32Array, vOut: Float32Array, beta1: number, beta2: number, epsilon: number, correction1: number, correction2: number, decay: number, learningRate: number): void;
  /** Row o of out is row o of each input in turn, input i having widths[i] floats a row. */
  concat(inputs: Float32Array[], widths: Int32Array, outer: number, out: Float32Array): void;
  /** out[r * n + j] = rows[r] . queries[j] for count rows and n queries of d floats: exact search scores. */
  rowDots(rows: Float32Array, count: number, d: number, queries: Float32Array, n: number, out: Float32Array): void;
  /** Threads the kernels split large work across (the caller included). */
  readonly threads: number;
}

export type NativeStatus = { kind: 'loaded'; addon: NativeAddon; isa: string } | { kind: 'unavailable'; reason: string };

const buildDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'native', 'build');
let cached: NativeStatus | undefined;

export function loadNative(): NativeStatus {
  if (cached) return cached;
  try {
    const addon = createRequire(import.meta.url)(path.join(buildDir, 'xling_native.node')) as NativeAddon;
    cached = { kind: 'loaded', addon, isa: addon.useIsa('') };
  } catch (error) {
    let reason = `native/build/xling_native.node does not load (${(error as Error).message.split('\n')[0]})`;
    try {
      const status = JSON.parse(readFileSync(path.join(buildDir, 'status.json'), 'utf8')) as { ok: boolean; reason?: string };
      if (!status.ok && status.reason) reason = `native kernels were not built: ${status.reason}`;
    } catch {
      // no status: the build never ran (npm install with --ignore-scripts)
    }
    cached = { kind: 'unavailable', reason };
  }
  return cached;
}
