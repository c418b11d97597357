// Calls the native kernels from several Node worker threads at once, every one on its own data,
// and checks each result against a reference computed in JavaScript. The kernels share one thread
// pool per process (native/src/parallel.cpp), so this is what catches a pool that lets two callers'
// jobs mix: a caller's parts run with another caller's data, never run, or its wait never ends.
//
//   node dist/gpu-worker/encoding/native/concurrent-stress.js [--workers 4] [--iterations 40] [--deadline 30]
//
// XLING_NATIVE_THREADS=n sets the pool's threads (read when the addon loads). Prints one JSON
// line {threads, workers, calls, mismatches, first?, hung?} and exits 1 on any wrong result. When
// some worker has not finished after --deadline seconds (a kernel call that never returns), it
// prints the calls made so far and which workers hang, then kills itself (SIGKILL: a worker stuck
// in native code cannot be stopped). A crash kills the process without a line, so run it as a
// child with a timeout of its own (concurrent.test.ts).

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { loadNative, type NativeAddon } from './addon.js';

interface Report {
  calls: number;
  mismatches: number;
  first?: string;
}

function random(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

/** One kernel call on this worker's data: `run` fills `out`, `expected` is the JS reference. */
interface Case {
  name: string;
  out: Float32Array;
  expected: Float32Array;
  /** Allowed |out - expected| per element. */
  tolerance: Float32Array | number;
  run(): void;
}

function cases(addon: NativeAddon, seed: number): Case[] {
  const list: Case[] = [];
  const threads = addon.threads;

  // matMul: m x k times k x n, large enough (m*n*k >= 2^18) for its 6-row tiles to split.
  {
    const m = 96, n = 80, k = 64;
    const a = random(m * k, seed * 7 + 1), b = random(k * n, seed * 7 + 2);
    const expected = new Float32Array(m * n), tolerance = new Float32Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0, size = 0;
        for (let p = 0; p < k; p++) {
          sum += a[i * k + p]! * b[p * n + j]!;
          size += Math.abs(a[i * k + p]! * b[p * n + j]!);
        }
        expected[i * n + j] = sum;
        tolerance[i * n + j] = size * 1e-5 + 1e-6;
      }
    const out = new Float32Array(m * n);
    list.push({ name: 'matmul', out, expected, tolerance, run: () => addon.matmul(a, b, out, 1, m, n, k, false, false, 1, 1, null) });
  }

  // exp: transcendental grain (4,096 items a thread), so a short call that still splits in full.
  {
    const length = 4096 * threads * 2;
    const input = random(length, seed * 7 + 3);
    const expected = input.map((x) => Math.exp(x));
    const out = new Float32Array(length);
    list.push({ name: 'exp', out, expected, tolerance: 1e-6 * Math.E, run: () => addon.unary(0, input, out) });
  }

  // add over two views broadcast to [rows, cols] (b a row vector): 65,536 items a thread.
  {
    const cols = 1024, rows = Math.ceil((65536 * threads) / cols) + 3;
    const a = random(rows * cols, seed * 7 + 4), b = random(cols, seed * 7 + 5);
    const expected = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[r * cols + c] = a[r * cols + c]! + b[c]!;
    const out = new Float32Array(rows * cols);
    const shape = Int32Array.of(rows, cols);
    list.push({ name: 'add', out, expected, tolerance: 0, run: () => addon.binary(0, a, 0, Int32Array.of(cols, 1), b, 0, Int32Array.of(0, 1), shape, out) });
  }

  // softmax of rows: a few rows a part.
  {
    const cols = 512, rows = 16 * threads + 5;
    const input = random(rows * cols, seed * 7 + 6);
    const expected = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      let max = -Infinity, sum = 0;
      for (let c = 0; c < cols; c++) max = Math.max(max, input[r * cols + c]!);
      for (let c = 0; c < cols; c++) sum += Math.exp(input[r * cols + c]! - max);
      for (let c = 0; c < cols; c++) expected[r * cols + c] = Math.exp(input[r * cols + c]! - max) / sum;
    }
    const out = new Float32Array(rows * cols);
    list.push({ name: 'softmax', out, expected, tolerance: 1e-6, run: () => addon.softmax(input, rows, cols, out) });
  }
  return list;
}

function check(c: Case): string | undefined {
  for (let i = 0; i < c.out.length; i++) {
    const allowed = typeof c.tolerance === 'number' ? c.tolerance : c.tolerance[i]!;
    const got = c.out[i]!, want = c.expected[i]!;
    if (!(Math.abs(got - want) <= allowed)) return `${c.name}[${i}] = ${got}, expected ${want}`;
  }
  return undefined;
}

/** start[0]: go; start[1]: workers ready; start[2 + 2i], start[3 + 2i]: calls and mismatches of worker i. */
function work(seed: number, iterations: number, start: Int32Array): Report {
  const native = loadNative();
  if (native.kind !== 'loaded') throw new Error(native.reason);
  const list = cases(native.addon, seed);
  // Start together: every worker has built its data and references before any calls a kernel.
  Atomics.add(start, 1, 1);
  while (Atomics.load(start, 0) === 0) Atomics.wait(start, 0, 0, 50);
  const report: Report = { calls: 0, mismatches: 0 };
  for (let it = 0; it < iterations; it++)
    for (const c of list) {
      c.out.fill(Number.NaN); // a part that never runs leaves NaN
      c.run();
      report.calls++;
      Atomics.add(start, 2 * seed, 1);
      const wrong = check(c);
      if (wrong) {
        report.mismatches++;
        Atomics.add(start, 2 * seed + 1, 1);
        report.first ??= `worker ${seed}, iteration ${it}: ${wrong}`;
      }
    }
  return report;
}

async function main() {
  const argument = (name: string, fallback: number) => {
    const at = process.argv.indexOf(`--${name}`);
    return at >= 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const workers = argument('workers', 4), iterations = argument('iterations', 40), deadline = argument('deadline', 30);
  const native = loadNative();
  if (native.kind !== 'loaded') throw new Error(native.reason);
  const start = new Int32Array(new SharedArrayBuffer(4 * (2 + 2 * (workers + 1))));
  const file = fileURLToPath(import.meta.url);
  const finished = new Set<number>();
  const watchdog = setTimeout(() => {
    let calls = 0, mismatches = 0;
    for (let i = 1; i <= workers; i++) {
      calls += Atomics.load(start, 2 * i);
      mismatches += Atomics.load(start, 2 * i + 1);
    }
    const hung = Array.from({ length: workers }, (_, i) => i + 1).filter((i) => !finished.has(i));
    console.log(JSON.stringify({ threads: native.addon.threads, workers, calls, mismatches, hung, first: `workers ${hung.join(', ')} still in a kernel call after ${deadline} s` }));
    process.kill(process.pid, 'SIGKILL');
  }, deadline * 1000);
  const reports = await Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const worker = new Worker(file, { workerData: { seed: i + 1, iterations, start } });
      return new Promise<Report>((resolve, reject) => {
        worker.once('message', (report: Report) => {
          finished.add(i + 1);
          resolve(report);
        });
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`worker ${i + 1} exited with ${code} before reporting`)));
      });
    }).concat(
      (async () => {
        while (Atomics.load(start, 1) < workers) await new Promise((r) => setTimeout(r, 5));
        Atomics.store(start, 0, 1);
        Atomics.notify(start, 0);
        return { calls: 0, mismatches: 0 };
      })(),
    ),
  );
  clearTimeout(watchdog);
  const total = { threads: native.addon.threads, workers, calls: 0, mismatches: 0, first: undefined as string | undefined };
  for (const r of reports) {
    total.calls += r.calls;
    total.mismatches += r.mismatches;
    total.first ??= r.first;
  }
  console.log(JSON.stringify(total));
  process.exit(total.mismatches === 0 ? 0 : 1);
}

if (isMainThread) await main();
else {
  const { seed, iterations, start } = workerData as { seed: number; iterations: number; start: Int32Array };
  parentPort!.postMessage(work(seed, iterations, start));
}
