// The exact vector scan's native kernels on a pool-sized matrix (13,014 x 64 random rows): rowDots
// and the matrix product for n queries at once, and usearch's SIMD brute force (the path without
// native kernels), per call; the numbers behind DOTS_UP_TO in gpu-worker/vectors/matrix.ts.
//
//   npm run build && node dist/bench/scan-kernels.js [rows=13014] [dimension=64]
//
// Not a test: nothing here asserts a timing.

import { loadNative } from '../gpu-worker/encoding/native/addon.js';
import { usearch } from '../gpu-worker/vectors/usearch.js';

const rows = Number(process.argv[2] ?? 13_014);
const d = Number(process.argv[3] ?? 64);
const native = loadNative();
if (native.kind !== 'loaded') throw new Error(`native kernels unavailable: ${native.reason}`);
const { addon } = native;
const data = Float32Array.from({ length: rows * d }, () => Math.random() - 0.5);

function perCall(run: () => void, calls = 300): number {
  for (let i = 0; i < 20; i++) run();
  const start = performance.now();
  for (let i = 0; i < calls; i++) run();
  return ((performance.now() - start) / calls) * 1000;
}

console.log(`${rows} x ${d} rows, ISA ${native.isa}, ${addon.threads} threads; µs per call`);
console.log('| queries | rowDots | matrix product | usearch exactSearch (1 thread) |');
console.log('|---|---|---|---|');
for (const n of [1, 2, 4, 6, 8, 16, 32]) {
  const queries = Float32Array.from({ length: n * d }, () => Math.random() - 0.5);
  const out = new Float32Array(rows * n);
  const dots = perCall(() => addon.rowDots(data, rows, d, queries, n, out));
  const product = perCall(() => addon.matmul(data, queries, out, 1, rows, n, d, false, true, 1, 1, null));
  const brute = perCall(() => usearch.exactSearch(data, queries, d, 18, usearch.MetricKind.IP, 1));
  console.log(`| ${n} | ${dots.toFixed(0)} | ${product.toFixed(0)} | ${brute.toFixed(0)} |`);
}
