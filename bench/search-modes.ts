// Index build and search latency per retrieval mode, on the worker's serving path (the retriever
// over the embedded store), without GraphQL:
//
//   npm run build && node dist/bench/search-modes.js [--rows 1000000] [--queries 300] [--dimension 64]
//
// 1. The XQuAD-R pool (13,014 sentences in 11 languages) is written to an embedded store twice:
//    dense only, and dense + BM25 terms (analysis, per-language lengths, the postings built by the
//    first lexical search). Vectors are seeded random unit vectors: latency does not depend on
//    what they encode. Reported: build time and size on disk of each.
// 2. Searches one at a time, XQuAD-R questions in all 11 languages, k = 10, no language filter:
//    DENSE (exact scan), LEXICAL (BM25, the query expanded into 11 languages with the
//    dictionaries), HYBRID (both, the default weighted fusion): p50 / p99.
// 3. The same at --rows: the pool repeated with perturbed vectors (HNSW above 20,000 rows) and its
//    sentences as they are, so lexical postings grow with the rows as they would with more text.
//
// Not a test: nothing here asserts a timing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { loadLexicalQueries, createAnalyzers } from '../gpu-worker/lexical/setup.js';
import { corpusTerms } from '../gpu-worker/lexical/terms.js';
import { createRetriever } from '../gpu-worker/serving/retriever.js';
import { openEmbeddedStore } from '../gpu-worker/vectors/embedded.js';
import type { VectorPoint, VectorStore } from '../gpu-worker/vectors/store.js';
import { defaultSharedDir } from '../schema/config.js';
import { DEFAULT_RETRIEVAL, type RetrievalMode } from '../schema/serving.js';
import { argument } from './cli.js';

const rows = Number(argument('rows') ?? 1_000_000);
const queryCount = Number(argument('queries') ?? 300);
const dimension = Number(argument('dimension') ?? 64);
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const unit = () => {
  const v = Float32Array.from({ length: dimension }, () => random() * 2 - 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
const folderBytes = (dir: string): number =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? folderBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const benchmark = await buildRetrievalBenchmark(dataDir, 'xquad-r');
const { candidates } = benchmark;
const languages = benchmark.languages;
const queries = Array.from({ length: queryCount }, (_, i) => benchmark.queries[Math.floor((i * benchmark.queries.length) / queryCount)]!);
const t0 = performance.now();
const lexical = await loadLexicalQueries(dataDir);
console.log(`dictionaries and analyzers loaded lazily in ${seconds(t0).toFixed(1)} s (heap ${mib(process.memoryUsage().heapUsed)})`);

async function build(label: string, n: number, withTerms: boolean): Promise<{ store: VectorStore; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xling-modes-'));
  const store = await openEmbeddedStore({ dir });
  const start = performance.now();
  const terms = withTerms ? corpusTerms(candidates, createAnalyzers()) : [];
  const analysed = seconds(start);
  await store.createCollection('c', { dimension });
  for (let first = 0; first < n; first += 4096) {
    const points: VectorPoint[] = [];
    for (let i = first; i < Math.min(n, first + 4096); i++) {
      const c = candidates[i % candidates.length]!;
      points.push({
        id: String(i),
        vector: unit(),
        payload: { language: c.language, dataset: 'xquad-r', documentId: String(i), groupId: `${c.language}:${c.paragraphIndex}`, text: c.text },
        ...(withTerms ? { lexical: terms[i % candidates.length]! } : {}),
      });
    }
    await store.upsert('c', points);
  }
  await store.waitForIndex('c');
  const written = seconds(start);
  let postings = 0;
  if (withTerms) {
    const p0 = performance.now();
    await store.searchLexical('c', [{ terms: { indices: [1], values: [1] }, k: 1 }]);
    postings = seconds(p0);
  }
  await store.close();
  const bytes = folderBytes(dir);
  const reopened = await openEmbeddedStore({ dir });
  const r0 = performance.now();
  await reopened.count('c');
  console.log(
    `| ${label} | ${n.toLocaleString('en')} | ${withTerms ? analysed.toFixed(1) + ' s' : '–'} | ${written.toFixed(1)} s | ${withTerms ? postings.toFixed(2) + ' s' : '–'} | ${mib(bytes)} | ${seconds(r0).toFixed(1)} s |`,
  );
  return { store: reopened, dir };
}

async function latencies(label: string, store: VectorStore, n: number): Promise<void> {
  const retriever = createRetriever(store, lexical);
  const vectors = queries.map(() => unit());
  for (const mode of ['DENSE', 'LEXICAL', 'HYBRID'] as RetrievalMode[]) {
    const ms: number[] = [];
    for (const [i, q] of queries.entries()) {
      const start = performance.now();
      await retriever.searchMany('c', languages, [{ text: q.text, queryLanguage: q.language, k: 10, retrieval: { ...DEFAULT_RETRIEVAL, mode } }], async () => [vectors[i]!]);
      ms.push(performance.now() - start);
    }
    ms.sort((a, b) => a - b);
    console.log(`| ${label} | ${n.toLocaleString('en')} | ${mode} | ${fmt(percentile(ms, 0.5))} | ${fmt(percentile(ms, 0.99))} |`);
  }
}

console.log('\n| collection | rows | analysis | write + index | postings (first lexical search) | on disk | reopen |');
console.log('|---|---|---|---|---|---|---|');
const dense = await build('dense only', candidates.length, false);
const both = await build('dense + BM25 terms', candidates.length, true);
const large = rows > candidates.length ? await build('dense + BM25 terms', rows, true) : undefined;
console.log('\n| collection | rows | mode | p50 | p99 |');
console.log('|---|---|---|---|---|');
await latencies('XQuAD-R pool', both.store, candidates.length);
if (large) await latencies('pool repeated', large.store, rows);
for (const { store, dir } of [dense, both, ...(large ? [large] : [])]) {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`\npeak RSS ${mib(process.resourceUsage().maxRSS * 1024)}`);
