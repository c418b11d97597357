// Exact scan vs HNSW, one top-10 query at a time, on an embedded collection:
//   node dist/gpu-worker/vectors/bench.js [rows=100000] [dimension=64] [data=random|clustered|nearduplicate]
//       [settings=64,256] [base=13014] [queries=200] [seed=1]
// A setting is an expansionSearch (with the default connectivity and expansionAdd) or
// connectivity/expansionAdd/expansionSearch; settings sharing a graph share one build.
// Uniform random vectors are the worst case for HNSW (no structure: every point is about as far
// as every other); `clustered` draws them around 1000 centres, closer to real embeddings;
// `nearduplicate` is the synthetic collection of the GraphQL benchmark (bench/serving-latency.ts):
// `base` clustered vectors plus copies of them perturbed with noise 0.05 per component, about 76
// near-copies per base vector at 1,000,000 rows (see synthetic.ts). For smaller proxies with the
// same duplicate structure, scale `base` with `rows` (e.g. 200000 rows, base=2603).
// Search goes through MemoryCollection.search, so it includes the store's candidate rule.

import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryCollection, type HnswOptions } from './collection.js';
import { DEFAULT_HNSW } from './embedded.js';
import { exactSearch } from './matrix.js';
import type { VectorPayload } from './store.js';
import { syntheticSet, XQUAD_R_POOL, type SyntheticKind } from './synthetic.js';

const positional = process.argv.slice(2).filter((a) => !a.includes('='));
const named = new Map(process.argv.slice(2).filter((a) => a.includes('=')).map((a) => a.split('=') as [string, string]));
const rows = Number(positional[0] ?? 100_000);
const dimension = Number(positional[1] ?? 64);
const data = (positional[2] ?? 'random') as SyntheticKind;
const settings: HnswOptions[] = (positional[3] ?? '64,256').split(',').map((s) => {
  const parts = s.split('/').map(Number);
  return parts.length === 1
    ? { ...DEFAULT_HNSW, expansionSearch: parts[0]! }
    : { connectivity: parts[0]!, expansionAdd: parts[1]!, expansionSearch: parts[2]! };
});
const base = Number(named.get('base') ?? XQUAD_R_POOL);
const queryCount = Number(named.get('queries') ?? 200);
const seed = Number(named.get('seed') ?? 1);
const K = 10;

const set = syntheticSet({ rows, dimension, kind: data, base, seed });
const queries = Array.from({ length: queryCount }, set.query);

const time = (run: () => void) => {
  const start = performance.now();
  run();
  return performance.now() - start;
};
const us = (ms: number) => `${(ms * 1000).toFixed(0)} us`;
const perQuery = (ms: number) => `${us(ms / queryCount)}/query`;
const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
function percentiles(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return `p50 ${us(at(0.5))}, p99 ${us(at(0.99))}, mean ${us(ms.reduce((a, b) => a + b, 0) / ms.length)}`;
}

function filled(hnsw: HnswOptions) {
  const options = { hnswThreshold: Math.min(20_000, rows), hnsw, hnswBuild: 'inline' as const };
  const collection = new MemoryCollection(dimension, options);
  const ids = Array.from({ length: rows }, (_, i) => `p${i}`);
  const langs = ['en', 'en', 'de', 'fr', 'sw'];
  const payloads: VectorPayload[] = ids.map((_, i) => ({ language: langs[i % 5]!, dataset: '', documentId: '', groupId: '', text: '' }));
  collection.upsert(ids, payloads, set.vectors);
  return { collection, options };
}

const described = data === 'nearduplicate' ? `nearduplicate (${Math.min(base, rows)} base vectors, ${(rows / Math.min(base, rows)).toFixed(1)} rows each)` : data;
console.log(`${rows} x ${dimension} ${described} vectors, top-${K}, ${queryCount} queries, seed ${seed}`);
let truth: Set<number>[] = [];
{
  const exact = filled(DEFAULT_HNSW).collection;
  truth = queries.map((q) => new Set(exactSearch(exact.matrix, q, K).rows));
  console.log(`exact scan (native SIMD, 1 thread): ${perQuery(time(() => queries.forEach((q) => exactSearch(exact.matrix, q, K))))}`);
  const js = (row: number) => row >= 0; // a filter that keeps every row forces the JS scan
  console.log(`exact scan (JS, filtered path):     ${perQuery(time(() => queries.forEach((q) => exactSearch(exact.matrix, q, K, js))))}`);
}

const file = path.join(tmpdir(), `xling-bench-${process.pid}.usearch`);
const graphs = new Map<string, HnswOptions[]>();
for (const s of settings) {
  const key = `${s.connectivity}/${s.expansionAdd}`;
  graphs.set(key, [...(graphs.get(key) ?? []), s]);
}
for (const group of graphs.values()) {
  const { collection, options } = filled(group[0]!);
  const rssBefore = process.memoryUsage().rss;
  const buildMs = time(() => collection.hnsw.acquire());
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  collection.hnsw.save(file);
  const { size } = await stat(file);
  const { connectivity, expansionAdd } = group[0]!;
  console.log(
    `HNSW connectivity ${connectivity}, expansionAdd ${expansionAdd}: build ${(buildMs / 1000).toFixed(1)} s, ` +
      `index file ${MiB(size)} (vectors ${MiB(rows * dimension * 4)} of it), rss +${MiB(rssGrowth)}`,
  );
  for (const setting of group) {
    collection.hnsw.reset();
    options.hnsw = setting; // the collection and its index read the policy at load
    collection.hnsw.load(file, 0);
    let recalled = 0;
    queries.forEach((q, i) => {
      for (const hit of collection.search(q, K)) if (truth[i]!.has(Number(hit.id.slice(1)))) recalled++;
    });
    const ms = queries.map((q) => time(() => collection.search(q, K)));
    const filtered = time(() => queries.forEach((q) => collection.search(q, K, ['de'])));
    console.log(
      `  expansionSearch ${setting.expansionSearch}: recall@${K} ${(recalled / (queryCount * K)).toFixed(3)}, ${percentiles(ms)}; ` +
        `filtered to 1 of 5 languages: ${perQuery(filtered)} (${JSON.stringify(collection.stats)})`,
    );
  }
}
await rm(file, { force: true });
console.log(`rss: ${MiB(process.memoryUsage().rss)}`);
