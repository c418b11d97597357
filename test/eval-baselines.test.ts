// The lexical (BM25) and chance (random embeddings) references on the real benchmarks, through the
// same evaluation path as trained encoders.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildRetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { bm25Scorer } from '../gpu-worker/evaluation/bm25.js';
import { compareHeadline, headlineIntervals } from '../gpu-worker/evaluation/headlines.js';
import { randomEmbeddings } from '../gpu-worker/evaluation/random.js';
import { evaluateRetrieval, evaluateWithScorer } from '../gpu-worker/evaluation/retrieval.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = fs.existsSync(path.join(repoRoot, 'data')) ? path.join(repoRoot, 'data') : path.resolve(repoRoot, '..', 'shared', 'data');

test('MLQA-R: BM25 beats chance in every setting, and its monolingual runs beat its cross-lingual ones', async () => {
  const bench = await buildRetrievalBenchmark(dataDir, 'mlqa-r');
  const bm25 = await evaluateWithScorer(bench, bm25Scorer(bench));
  const d = 16;
  const chance = await evaluateRetrieval(bench, randomEmbeddings(bench.queries.length, d, 1), randomEmbeddings(bench.candidates.length, d, 2), d);

  // Every pair has queries: questions of one language that exist in the other.
  assert.ok(bm25.pairs.queries.flat().every((n) => n > 0));
  assert.equal(bm25.pairs.queries[2]![2], 1148); // en-en: every question
  for (const setting of ['mono', 'cross', 'multi'] as const) {
    assert.ok(bm25[setting].map > chance[setting].map, `${setting}: BM25 ${bm25[setting].map} vs chance ${chance[setting].map}`);
  }
  assert.ok(bm25.mono.map > 0.3 && bm25.mono.map > 2 * bm25.cross.map, `mono ${bm25.mono.map}, cross ${bm25.cross.map}`);
  // Chance: one relevant item among ~2,600 candidates on average.
  assert.ok(chance.mono.map < 0.02, `${chance.mono.map}`);
  // Language bias: BM25 ranks answers in the query's language first and the rest (no shared
  // tokens, score 0) after every tied candidate, so its rank distance exceeds chance.
  assert.ok(bm25.multi.rankDistance > chance.multi.rankDistance, `${bm25.multi.rankDistance} vs ${chance.multi.rankDistance}`);

  const ci = headlineIntervals(bm25, { B: 200, seed: 3 });
  assert.ok(ci['mono.map'].lo < bm25.mono.map && bm25.mono.map < ci['mono.map'].hi);
  assert.ok(ci['mono.map'].hi - ci['mono.map'].lo < 0.1, 'about 3,700 queries give a tight interval');
  const test = compareHeadline(bm25, chance, 'mono.map', { B: 200 });
  assert.ok(test.pValue < 0.01 && test.difference.lo > 0);
});

test('XQuAD-R: BM25 tokenization retrieves in every language, Thai and Chinese included', async () => {
  const bench = await buildRetrievalBenchmark(dataDir, 'xquad-r');
  const bm25 = await evaluateWithScorer(bench, bm25Scorer(bench));
  bench.languages.forEach((language, i) => {
    const mono = bm25.pairs.metrics.map[i]![i]!;
    assert.ok(mono > 0.4, `${language}-${language} BM25 mAP ${mono}`);
  });
  assert.equal(bm25.pairs.queries.flat().length, 121);
  assert.ok(bm25.pairs.queries.flat().every((n) => n === 1190));
});
