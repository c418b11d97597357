// Search latency and throughput through GraphQL, next to an exact brute-force scan, in one run:
//
//   npm run build && node dist/bench/serving-latency.js [--steps 1000] [--synthetic 1000000]
//       [--queries 400] [--concurrency 8] [--home <dir>]
//
// 1. The platform runs as `npm start` does (dist/deploy/embedded.js: gateway + worker in one
//    process, embedded Postgres and vector store) in a child process; over GraphQL a DEFAULT_MODEL
//    run is trained on MLQA-R and indexCorpus embeds the XQuAD-R pool (13,014 sentences).
// 2. With the platform stopped, this process loads the same checkpoint and measures the parts of
//    a search alone: encoding one query, and an exact brute-force top-10 scan of the pool. It then
//    writes a synthetic collection into the platform's vector store (the pool plus perturbed
//    copies of its vectors up to --synthetic rows, so it has the neighbourhoods of real
//    embeddings), lets the store build its HNSW index, and measures the store's search and its
//    recall@10 against the exact scan. The collection is recorded in the database like an indexed one.
// 3. The platform is started again and GraphQL `search` is timed on both collections, one query at
//    a time (latency) and from --concurrency clients at once (throughput).
//
// Not a test: nothing here asserts a timing. Queries are XQuAD-R questions in all 11 languages.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { openDatabase } from '../prisma/db.js';
import { defaultSharedDir } from '../schema/config.js';
import { describeBackend, selectBackend } from '../gpu-worker/encoding/backend.js';
import { loadCheckpointEncoder } from '../gpu-worker/encoding/checkpoint-encoder.js';
import { MemoryCollection } from '../gpu-worker/vectors/collection.js';
import { DEFAULT_HNSW, openEmbeddedStore } from '../gpu-worker/vectors/embedded.js';
import { normalized } from '../gpu-worker/vectors/matrix.js';
import type { VectorPoint } from '../gpu-worker/vectors/store.js';
import { freePort, gql, startApp, waitFor, type AppProcess } from '../test/support/processes.js';
import { argument } from './cli.js';

const numberArgument = (name: string, fallback: number) => Number(argument(name) ?? fallback);
const steps = numberArgument('steps', 1000);
const syntheticRows = numberArgument('synthetic', 1_000_000);
const queryCount = numberArgument('queries', 400);
const concurrency = numberArgument('concurrency', 8);
const homeIndex = process.argv.indexOf('--home');
const home = homeIndex >= 0 ? path.resolve(process.argv[homeIndex + 1]!) : fs.mkdtempSync(path.join(os.tmpdir(), 'xling-serving-bench-'));
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);
const SYNTHETIC = 'synthetic';
const K = 10;

const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`platform home: ${home}`);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
function summary(ms: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: ms.reduce((a, b) => a + b, 0) / ms.length };
}
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
const describe = (ms: number[]) => {
  const s = summary(ms);
  return `p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)}, mean ${fmt(s.mean)}`;
};
const timed = async <T>(work: () => Promise<T> | T): Promise<[T, number]> => {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
};

async function startPlatform(): Promise<{ app: AppProcess; url: string }> {
  const port = await freePort();
  const app = startApp('deploy/embedded.js', { XLING_HOME: home, PORT: String(port), DATA_DIR: dataDir, MODELS_DIR: modelsDir, NODE_ENV: 'production' });
  await Promise.race([
    waitFor('the platform to listen', () => app.output().includes('GraphQL:'), 120_000),
    app.exited.then((code) => Promise.reject(new Error(`the platform exited (${code}):\n${app.output()}`))),
  ]);
  return { app, url: `http://127.0.0.1:${port}/graphql` };
}

async function request<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await gql<T>(url, query, variables);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!;
}

// ---- 1. train and index through the platform -------------------------------------------------
let platform = await startPlatform();
const [checkpointId, trainMs] = await timed(async () => {
  const { startTrainingRun: run } = await request(platform.url, 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', {
    input: { strategy: 'HYBRID', alpha: 0.5, trainDatasets: ['mlqa-r'], steps, batchSize: 32, seed: 1, evaluationSuites: [] },
  });
  const done = await waitFor('the training run', async () => {
    const { run: r } = await request(platform.url, 'query($id: ID!) { run(id: $id) { status error checkpoints { id step } } }', { id: run.id });
    if (r.status === 'FAILED' || r.status === 'CANCELLED') throw new Error(`run ${r.status}: ${r.error}`);
    return r.status === 'SUCCEEDED' && r;
  }, 3_600_000);
  return (done.checkpoints as Array<{ id: string; step: number }>).sort((a, b) => b.step - a.step)[0]!.id;
});
console.log(`trained DEFAULT_MODEL for ${steps} steps on MLQA-R in ${(trainMs / 1000).toFixed(1)} s (checkpoint ${checkpointId})`);

const [poolName, indexMs] = await timed(async () => {
  const { indexCorpus: job } = await request(platform.url, 'mutation($input: IndexCorpusInput!) { indexCorpus(input: $input) { id } }', {
    input: { checkpointId, dataset: 'xquad-r' },
  });
  await waitFor('the index job', async () => {
    const { jobs } = await request(platform.url, '{ jobs(first: 100) { id status error } }');
    const j = jobs.find((x: { id: string }) => x.id === job.id);
    if (j?.status === 'FAILED') throw new Error(`index job failed: ${j.error}`);
    return j?.status === 'SUCCEEDED';
  }, 600_000);
  const { collections } = await request(platform.url, '{ collections { name size checkpointId } }');
  return collections.find((c: { checkpointId: string }) => c.checkpointId === checkpointId).name as string;
});
console.log(`indexCorpus xquad-r (embed + upsert) took ${(indexMs / 1000).toFixed(1)} s: collection ${poolName}`);
await platform.app.kill();

// ---- 2. the parts of a search, and the synthetic collection ----------------------------------
const db = await openDatabase({ kind: 'embedded', dataDir: path.join(home, 'pgdata') }, { migrate: false });
const checkpoint = await db.prisma.checkpoint.findUniqueOrThrow({ where: { id: checkpointId } });
const backend = await selectBackend({ prefer: 'wasm' });
console.log(`backend (this process): ${describeBackend(backend)}`);
const encoder = await loadCheckpointEncoder(checkpoint.location, { modelsDir });
const benchmark = await buildRetrievalBenchmark(dataDir, 'xquad-r');
const stride = Math.max(1, Math.floor(benchmark.queries.length / queryCount));
const queries = benchmark.queries.filter((_, i) => i % stride === 0).slice(0, queryCount);
const dimension = encoder.dimension;

const encodeMs: number[] = [];
const queryVectors: Float32Array[] = [];
for (const q of queries) {
  const [[vector], ms] = await timed(() => encoder.embed([q.text], 'QUERY'));
  encodeMs.push(ms);
  queryVectors.push(vector!);
}
const pool = await encoder.embed(benchmark.candidates.map((c) => c.text), 'PASSAGE');
encoder.dispose();

const exactOnly = { hnswThreshold: Number.POSITIVE_INFINITY, hnsw: DEFAULT_HNSW, hnswBuild: 'inline' as const };
/** Brute force: every row scored (usearch's SIMD exact scan per chunk), top-k kept. */
async function bruteForce(vectors: Float32Array, languages: string[]) {
  const rows = languages.length;
  const exact = new MemoryCollection(dimension, exactOnly);
  const ids = Array.from({ length: rows }, (_, i) => String(i));
  exact.upsert(ids, languages.map((language) => ({ language, dataset: '', documentId: '', groupId: '', text: '' })), vectors);
  const ms: number[] = [];
  const truth: Set<string>[] = [];
  for (const q of queryVectors) {
    const [hits, t] = await timed(() => exact.search(q, K));
    ms.push(t);
    truth.push(new Set(hits.map((h) => h.id)));
  }
  return { ms, truth };
}

const poolMatrix = new Float32Array(pool.length * dimension);
pool.forEach((v, i) => poolMatrix.set(v, i * dimension));
const poolLanguages = benchmark.candidates.map((c) => c.language);
const poolExact = await bruteForce(poolMatrix, poolLanguages);

// Perturbed copies of the pool: noise of 0.05 per component moves a 64-d unit vector by about 0.4,
// so copies stay near their source sentence (cosine about 0.9) and the collection keeps its clusters.
let seed = 12345;
const uniform = () => ((seed = (seed * 1103515245 + 12345) >>> 0) + 0.5) / 2 ** 32;
const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const syntheticMatrix = new Float32Array(syntheticRows * dimension);
const syntheticLanguages: string[] = new Array(syntheticRows);
for (let row = 0; row < syntheticRows; row++) {
  const source = row % pool.length;
  const vector = row < pool.length ? pool[source]! : normalized(pool[source]!.map((x) => x + 0.05 * gauss()));
  syntheticMatrix.set(vector, row * dimension);
  syntheticLanguages[row] = poolLanguages[source]!;
}
const syntheticExact = await bruteForce(syntheticMatrix, syntheticLanguages);

let store = await openEmbeddedStore({ dir: path.join(home, 'vectors') });
await store.dropCollection(SYNTHETIC);
const [, upsertMs] = await timed(async () => {
  await store.createCollection(SYNTHETIC, { dimension });
  const batch = 20_000;
  for (let first = 0; first < syntheticRows; first += batch) {
    const points: VectorPoint[] = [];
    for (let row = first; row < Math.min(syntheticRows, first + batch); row++) {
      const source = benchmark.candidates[row % pool.length]!;
      points.push({
        id: `s${row}`,
        vector: syntheticMatrix.subarray(row * dimension, (row + 1) * dimension),
        payload: { language: source.language, dataset: SYNTHETIC, documentId: `s${row}`, groupId: `s${row}`, text: row < pool.length ? source.text : `near: ${source.text}` },
      });
    }
    await store.upsert(SYNTHETIC, points);
    process.stdout.write(`\rsynthetic collection: ${Math.min(syntheticRows, first + batch)} / ${syntheticRows} rows`);
  }
});
console.log(` (${(upsertMs / 1000).toFixed(1)} s)`);
const [, buildMs] = await timed(() => store.waitForIndex(SYNTHETIC));
console.log(`HNSW index of ${syntheticRows} rows built in ${(buildMs / 1000).toFixed(1)} s (${JSON.stringify(DEFAULT_HNSW)})`);

async function storeSearch(name: string, truth: Set<string>[], id: (hitId: string) => string) {
  const ms: number[] = [];
  let recalled = 0;
  for (const [i, q] of queryVectors.entries()) {
    const [hits, t] = await timed(() => store.search(name, q, { k: K }));
    ms.push(t);
    for (const hit of hits) if (truth[i]!.has(id(hit.id))) recalled++;
  }
  return { ms, recall: recalled / (queryVectors.length * K) };
}
const syntheticStore = await storeSearch(SYNTHETIC, syntheticExact.truth, (id) => id.slice(1));
const [, closeMs] = await timed(() => store.close());
console.log(`vector store closed (snapshot with index written) in ${(closeMs / 1000).toFixed(1)} s`);

// Recall against speed: the same index searched with longer candidate lists (VECTOR_EXPANSION_SEARCH).
const sweep: Array<{ expansionSearch: number; ms: number[]; recall: number }> = [];
for (const expansionSearch of [128, 256, 512]) {
  store = await openEmbeddedStore({ dir: path.join(home, 'vectors'), hnsw: { expansionSearch } });
  await store.search(SYNTHETIC, queryVectors[0]!, { k: K }); // loads the collection and its index
  sweep.push({ expansionSearch, ...(await storeSearch(SYNTHETIC, syntheticExact.truth, (id) => id.slice(1))) });
  await store.close();
}

await db.prisma.collection.deleteMany({ where: { name: SYNTHETIC } });
await db.prisma.collection.create({
  data: { name: SYNTHETIC, checkpointId, dataset: SYNTHETIC, languages: [...new Set(syntheticLanguages)], size: syntheticRows },
});
await db.close();

// ---- 3. GraphQL search -----------------------------------------------------------------------
const SEARCH = 'query($input: SearchInput!) { search(input: $input) { queryLanguage hits { score language documentId text } } }';
platform = await startPlatform();
const searchOnce = (collection: string, i: number, filtered = false) =>
  request(platform.url, SEARCH, {
    input: { text: queries[i % queries.length]!.text, collection, k: K, ...(filtered ? { languages: [queries[i % queries.length]!.language] } : {}) },
  });

async function measure(collection: string) {
  const [, coldMs] = await timed(() => searchOnce(collection, 0));
  for (let i = 0; i < 20; i++) await searchOnce(collection, i);
  const sequential: number[] = [];
  for (let i = 0; i < queries.length; i++) sequential.push((await timed(() => searchOnce(collection, i)))[1]);
  const filtered: number[] = [];
  for (let i = 0; i < queries.length; i++) filtered.push((await timed(() => searchOnce(collection, i, true)))[1]);
  const loaded: number[] = [];
  let next = 0;
  const total = queries.length * 2;
  const [, wallMs] = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) loaded.push((await timed(() => searchOnce(collection, next++)))[1]);
      }),
    ),
  );
  return { coldMs, sequential, filtered, loaded, throughput: (total / wallMs) * 1000 };
}

const results = { pool: await measure(poolName), synthetic: await measure(SYNTHETIC) };
const rss = fs.readFileSync(`/proc/${platform.app.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
await platform.app.kill();

// ---- report ----------------------------------------------------------------------------------
console.log(`\n${queries.length} XQuAD-R questions (every ${stride}th, all 11 languages), top-${K}; ${concurrency} concurrent clients for throughput`);
console.log(`query encoding alone (one question per call, this process): ${describe(encodeMs)}`);
for (const [name, rows, exact, r] of [
  ['XQuAD-R pool', pool.length, poolExact, results.pool],
  [`synthetic`, syntheticRows, syntheticExact, results.synthetic],
] as const) {
  console.log(`\n${name}: ${rows} vectors of dimension ${dimension}`);
  console.log(`  brute-force exact scan (this process):         ${describe(exact.ms)}`);
  if (name === 'synthetic') {
    console.log(`  store search, HNSW ef ${DEFAULT_HNSW.expansionSearch} (this process):      ${describe(syntheticStore.ms)}; recall@10 vs exact ${syntheticStore.recall.toFixed(3)}`);
    for (const { expansionSearch, ms, recall } of sweep) console.log(`  store search, HNSW ef ${expansionSearch} (this process):     ${describe(ms)}; recall@10 vs exact ${recall.toFixed(3)}`);
  }
  console.log(`  GraphQL search, first (loads the collection):  ${fmt(r.coldMs)}`);
  console.log(`  GraphQL search, one at a time:                 ${describe(r.sequential)} -> ${(1000 / summary(r.sequential).mean).toFixed(0)} q/s`);
  console.log(`  GraphQL search, filtered to query language:    ${describe(r.filtered)}`);
  console.log(`  GraphQL search, ${concurrency} clients:                     ${describe(r.loaded)} -> ${r.throughput.toFixed(0)} q/s`);
}
console.log(`\nplatform process RSS after the runs: ${rss ? `${(Number(rss) / 1024).toFixed(0)} MiB` : 'unknown'}`);
if (homeIndex < 0) fs.rmSync(home, { recursive: true, force: true });
