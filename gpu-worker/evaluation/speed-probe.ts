// Times a full XQuAD-R evaluation on random embeddings (all 121 pairs, the multilingual pool, rank
// distances, bootstrap intervals for every headline) and the BM25 baseline.
// Usage: node dist/gpu-worker/evaluation/speed-probe.js [dataDir] [dim] [B]

import path from 'node:path';
import { bm25Scorer } from './bm25.js';
import { buildRetrievalBenchmark } from './benchmark.js';
import { HEADLINES, headlineIntervals } from './headlines.js';
import { randomEmbeddings } from './random.js';
import { evaluateRetrieval, evaluateWithScorer } from './retrieval.js';

const [dataDir = path.resolve('..', 'shared', 'data'), dimArg = '64', bArg = '1000'] = process.argv.slice(2);
const d = Number(dimArg);
const B = Number(bArg);

const time = async <T>(label: string, f: () => Promise<T> | T): Promise<T> => {
  const t0 = performance.now();
  const result = await f();
  console.log(`${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return result;
};

const total0 = performance.now();
const bench = await time('build benchmark', () => buildRetrievalBenchmark(dataDir, 'xquad-r'));
const queries = randomEmbeddings(bench.queries.length, d, 1);
const candidates = randomEmbeddings(bench.candidates.length, d, 2);
const ev = await time(`evaluate ${bench.queries.length} x ${bench.candidates.length}, d=${d}`, () => evaluateRetrieval(bench, queries, candidates, d));
const ci = await time(`bootstrap B=${B}, ${HEADLINES.length} headlines`, () => headlineIntervals(ev, { B }));
console.log(`total (random ${d}-dim): ${((performance.now() - total0) / 1000).toFixed(2)} s`);
console.log('random: mono/cross/multi mAP', ev.mono.map.toFixed(4), ev.cross.map.toFixed(4), ev.multi.map.toFixed(4), 'rank distance', ev.multi.rankDistance.toFixed(1));
console.log('  95% CI multi.map', ci['multi.map'].lo.toFixed(4), ci['multi.map'].hi.toFixed(4));
const bm25 = await time('BM25 (12 pools)', () => evaluateWithScorer(bench, bm25Scorer(bench)));
console.log('BM25: mono/cross/multi mAP', bm25.mono.map.toFixed(4), bm25.cross.map.toFixed(4), bm25.multi.map.toFixed(4), 'rank distance', bm25.multi.rankDistance.toFixed(1));
