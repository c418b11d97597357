// Exact scan vs HNSW, one top-10 query at a time, on an embedded collection:
//   node dist/gpu-worker/vectors/bench.js [rows=100000] [dimension=64] [data=random|clustered] [expansionSearch=64,256]
// Uniform random vectors are the worst case for HNSW (no structure: every point is about as far
// as every other); `clustered` draws them around 1000 centres, closer to real embeddings.

import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryCollection } from './collection.js';
import { DEFAULT_HNSW } from './embedded.js';
import { exactSearch, normalized } from './matrix.js';
import type { VectorPayload } from './store.js';

const args = process.argv.slice(2);
const rows = Number(args[0] ?? 100_000);
const dimension = Number(args[1] ?? 64);
const data = args[2] ?? 'random';
const expansions = (args[3] ?? '64,256').split(',').map(Number);
const queryCount = 200;

const gauss = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
const centres = Array.from({ length: 1000 }, () => Float32Array.from({ length: dimension }, gauss));
const draw = () =>
  data === 'random'
    ? normalized(Float32Array.from({ length: dimension }, () => Math.random() * 2 - 1))
    : normalized(centres[Math.floor(Math.random() * centres.length)]!.map((x) => x + gauss()));

const time = (run: () => void) => {
  const start = performance.now();
  run();
  return performance.now() - start;
};
const perQuery = (ms: number) => `${((ms / queryCount) * 1000).toFixed(0)} us/query`;

function fill(collection: MemoryCollection, vectors: Float32Array) {
  const ids = Array.from({ length: rows }, (_, i) => `p${i}`);
  const langs = ['en', 'en', 'de', 'fr', 'sw'];
  const payloads: VectorPayload[] = ids.map((_, i) => ({ language: langs[i % 5]!, dataset: '', documentId: '', groupId: '', text: '' }));
  collection.upsert(ids, payloads, vectors);
}

const vectors = new Float32Array(rows * dimension);
for (let i = 0; i < rows; i++) vectors.set(draw(), i * dimension);
const queries = Array.from({ length: queryCount }, draw);
const options = (expansionSearch: number) => ({
  hnswThreshold: 20_000,
  hnsw: { ...DEFAULT_HNSW, expansionSearch },
  hnswBuild: 'inline' as const,
});

const first = new MemoryCollection(dimension, options(expansions[0]!));
fill(first, vectors);
const truth = queries.map((q) => new Set(exactSearch(first.matrix, q, 10).rows));
console.log(`${rows} x ${dimension} ${data} vectors, top-10, ${queryCount} queries, HNSW ${JSON.stringify(DEFAULT_HNSW)}`);
console.log(`exact scan (native SIMD, 1 thread): ${perQuery(time(() => queries.forEach((q) => exactSearch(first.matrix, q, 10))))}`);
const js = (row: number) => row >= 0; // a filter that keeps every row forces the JS scan
console.log(`exact scan (JS, filtered path):     ${perQuery(time(() => queries.forEach((q) => exactSearch(first.matrix, q, 10, js))))}`);
console.log(`HNSW build: ${(time(() => first.hnsw.acquire()) / 1000).toFixed(1)} s`);

const file = path.join(tmpdir(), `xling-bench-${process.pid}.usearch`);
first.hnsw.save(file);
for (const expansionSearch of expansions) {
  const collection = new MemoryCollection(dimension, options(expansionSearch));
  fill(collection, vectors);
  collection.hnsw.load(file, 0);
  const ms = time(() => queries.forEach((q) => collection.search(q, 10)));
  let recalled = 0;
  queries.forEach((q, i) => {
    for (const hit of collection.search(q, 10)) if (truth[i]!.has(Number(hit.id.slice(1)))) recalled++;
  });
  const filtered = time(() => queries.forEach((q) => collection.search(q, 10, ['de'])));
  console.log(
    `HNSW expansionSearch ${expansionSearch}: ${perQuery(ms)}, recall@10 ${(recalled / (queryCount * 10)).toFixed(3)}; ` +
      `filtered to 1 of 5 languages: ${perQuery(filtered)} (${JSON.stringify(collection.stats)})`,
  );
}
await rm(file, { force: true });
console.log(`rss: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
