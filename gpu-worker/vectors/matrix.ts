import type { Matches } from 'usearch';
import { loadNative, type NativeAddon } from '../encoding/native/addon.js';
import { usearch } from './usearch.js';

// Row storage for many vectors in fixed-size Float32Array chunks: a million 64-d rows are 256 MB
// of typed memory in 16 chunks instead of a million small arrays, and growing never copies rows.

const CHUNK_FLOATS = 1 << 20; // 4 MiB per chunk

export class ChunkedMatrix {
  readonly rowsPerChunk: number;
  private readonly chunks: Float32Array[] = [];
  private rows = 0;

  constructor(readonly dimension: number) {
    this.rowsPerChunk = Math.max(1, Math.floor(CHUNK_FLOATS / dimension));
  }

  get length(): number {
    return this.rows;
  }

  /** A view of the row (not a copy): valid until the row is overwritten or removed. */
  row(index: number): Float32Array {
    const chunk = this.chunks[Math.floor(index / this.rowsPerChunk)]!;
    const start = (index % this.rowsPerChunk) * this.dimension;
    return chunk.subarray(start, start + this.dimension);
  }

  set(index: number, values: Float32Array): void {
    this.row(index).set(values);
  }

  push(values: Float32Array): number {
    if (this.rows === this.chunks.length * this.rowsPerChunk) {
      this.chunks.push(new Float32Array(this.rowsPerChunk * this.dimension));
    }
    this.rows++;
    this.set(this.rows - 1, values);
    return this.rows - 1;
  }

  /** Drops the last row, freeing its chunk when it was the chunk's only row. */
  pop(): void {
    this.rows--;
    if (this.rows <= (this.chunks.length - 1) * this.rowsPerChunk) this.chunks.pop();
  }

  /** The used part of every chunk, in row order: for writing to disk and for scans. */
  *blocks(): Generator<{ first: number; data: Float32Array }> {
    for (let c = 0; c < this.chunks.length; c++) {
      const first = c * this.rowsPerChunk;
      const rows = Math.min(this.rowsPerChunk, this.rows - first);
      if (rows > 0) yield { first, data: this.chunks[c]!.subarray(0, rows * this.dimension) };
    }
  }
}

export function normalized(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  const scale = 1 / Math.sqrt(norm);
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}

export function dot(a: Float32Array, aOffset: number, b: Float32Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  // Four independent sums let the JIT overlap the multiply-adds.
  for (; i + 3 < d; i += 4) {
    s0 += a[aOffset + i]! * b[i]!;
    s1 += a[aOffset + i + 1]! * b[i + 1]!;
    s2 += a[aOffset + i + 2]! * b[i + 2]!;
    s3 += a[aOffset + i + 3]! * b[i + 3]!;
  }
  for (; i < d; i++) s0 += a[aOffset + i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

/** The k best (row, score) pairs seen so far, best first; ties keep the earlier row. */
export class TopK {
  readonly rows: number[] = [];
  readonly scores: number[] = [];

  constructor(readonly k: number) {}

  get full(): boolean {
    return this.rows.length >= this.k;
  }

  /** Lowest score kept once full; anything not above it cannot enter. */
  get floor(): number {
    return this.full ? this.scores[this.scores.length - 1]! : -Infinity;
  }

  offer(row: number, score: number): void {
    if (this.full && !(score > this.floor)) return;
    let i = this.scores.length;
    while (i > 0 && this.scores[i - 1]! < score) i--;
    this.rows.splice(i, 0, row);
    this.scores.splice(i, 0, score);
    if (this.rows.length > this.k) {
      this.rows.pop();
      this.scores.pop();
    }
  }
}

/**
 * Exact cosine search over normalised rows, chunk by chunk so each block stays in cache.
 * `accept(row)` (when given) restricts the scan, e.g. to a set of languages. With the project's
 * native kernels see exactSearchMany; without them unfiltered scans use usearch's SIMD brute force
 * per chunk (about 5x faster than JS) for candidates, then rescore.
 */
export function exactSearch(
  matrix: ChunkedMatrix,
  query: Float32Array,
  k: number,
  accept?: (row: number) => boolean,
): TopK {
  const addon = nativeKernels();
  if (addon) return nativeScan(addon, matrix, [{ vector: query, k, ...(accept ? { accept } : {}) }])[0]!;
  const top = new TopK(k);
  const d = matrix.dimension;
  if (!accept) {
    for (const { first, data } of matrix.blocks()) {
      const rows = data.length / d;
      const found = usearch.exactSearch(data, query, d, Math.min(k + RESCORED_EXTRA, rows), usearch.MetricKind.IP, 1) as Matches;
      for (const key of found.keys) {
        const row = Number(key);
        top.offer(first + row, dot(data, row * d, query, d));
      }
    }
    return top;
  }
  for (const { first, data } of matrix.blocks()) {
    const rows = data.length / d;
    for (let r = 0; r < rows; r++) {
      if (accept && !accept(first + r)) continue;
      const score = dot(data, r * d, query, d);
      if (score > top.floor) top.offer(first + r, score);
    }
  }
  return top;
}

/** A few extra candidates, so float32 rounding in a fast path cannot drop a k-th hit before rescoring. */
const RESCORED_EXTRA = 8;

/**
 * Up to this many queries are scored with one dot product per row and query (rowDots: SIMD lanes
 * along the dimension, cost proportional to the queries); more, with one matrix product, whose
 * cost hardly grows with the queries (a 6 x 32 register tile, mostly idle for one query).
 * Measured on 13,014 x 64 rows: rowDots about 220 µs for 1 query, 0.9 ms for 16; the product
 * 475 to 700 µs for 1 to 32 (bench/results.md, *Exact scan kernels*).
 */
const DOTS_UP_TO = 6;

export interface ScanQuery {
  vector: Float32Array;
  k: number;
  accept?: (row: number) => boolean;
}

/** The exactSearch of every query, in order, reading each block of rows once for all of them. */
export function exactSearchMany(matrix: ChunkedMatrix, queries: readonly ScanQuery[]): TopK[] {
  const addon = nativeKernels();
  if (!addon || queries.length === 0) return queries.map((q) => exactSearch(matrix, q.vector, q.k, q.accept));
  return nativeScan(addon, matrix, queries);
}

/**
 * Native scores of each block against every query; each query keeps its best candidates among
 * the rows it accepts, rescored with `dot` so that scores are the same on every path.
 */
function nativeScan(addon: NativeAddon, matrix: ChunkedMatrix, queries: readonly ScanQuery[]): TopK[] {
  const d = matrix.dimension;
  const n = queries.length;
  const packed = new Float32Array(n * d);
  queries.forEach((q, j) => packed.set(q.vector, j * d));
  const candidates = queries.map((q) => new TopK(q.k + RESCORED_EXTRA));
  const floors = new Float64Array(n).fill(-Infinity);
  const blocks: Array<{ first: number; data: Float32Array }> = [];
  for (const block of matrix.blocks()) {
    const rows = block.data.length / d;
    const scores = new Float32Array(rows * n);
    // scores[rows x n] = block[rows x d] . packed[n x d]^T
    if (n <= DOTS_UP_TO) addon.rowDots(block.data, rows, d, packed, n, scores);
    else addon.matmul(block.data, packed, scores, 1, rows, n, d, false, true, 1, 1, null);
    // Row by row, in the order the scores were written; a query's floor only rises.
    for (let r = 0, at = 0; r < rows; r++) {
      for (let j = 0; j < n; j++, at++) {
        const score = scores[at]!;
        if (!(score > floors[j]!)) continue;
        const accept = queries[j]!.accept;
        if (accept && !accept(block.first + r)) continue;
        const top = candidates[j]!;
        top.offer(block.first + r, score);
        floors[j] = top.floor;
      }
    }
    blocks.push(block);
  }
  return queries.map((q, j) => {
    const top = new TopK(q.k);
    for (const row of candidates[j]!.rows) {
      const block = blocks[Math.floor(row / matrix.rowsPerChunk)]!;
      top.offer(row, dot(block.data, (row - block.first) * d, q.vector, d));
    }
    return top;
  });
}

let native: NativeAddon | null | undefined;
function nativeKernels(): NativeAddon | null {
  if (native === undefined) {
    const status = loadNative();
    native = status.kind === 'loaded' ? status.addon : null;
  }
  return native;
}
