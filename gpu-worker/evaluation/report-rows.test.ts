import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlignmentEvaluation } from './alignment.js';
import type { RetrievalBenchmark, RetrievalCandidate } from './benchmark.js';
import { headlineIntervals } from './headlines.js';
import { alignmentSummary, headlinesJson, pairRows, snapshotFromHeadlines, validationSnapshot } from './report-rows.js';
import { evaluateRetrieval } from './retrieval.js';

const candidate = (language: string): RetrievalCandidate => ({ language, text: '', context: '', paragraphIndex: 0, sentenceIndex: 0 });

/** q0 exists in de and en, q1 in en and es: no de question exists in es, and no es question in de. */
const benchmark: RetrievalBenchmark = {
  name: 'mlqa-r',
  languages: ['de', 'en', 'es'],
  queries: [
    { id: 'q0', language: 'de', text: '', relevant: [0, 2], unit: 0 },
    { id: 'q0', language: 'en', text: '', relevant: [0, 2], unit: 0 },
    { id: 'q1', language: 'en', text: '', relevant: [3, 5], unit: 1 },
    { id: 'q1', language: 'es', text: '', relevant: [3, 5], unit: 1 },
  ],
  queryRanges: [{ start: 0, end: 1 }, { start: 1, end: 3 }, { start: 3, end: 4 }],
  candidates: ['de', 'de', 'en', 'en', 'es', 'es'].map(candidate),
  candidateRanges: [{ start: 0, end: 2 }, { start: 2, end: 4 }, { start: 4, end: 6 }],
  units: ['q0', 'q1'],
};

// 2-d embeddings: q0 and its answers along x, q1 and its answers along y; other candidates in between.
const queries = Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1]);
const candidates = Float32Array.from([1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1]);

test('pair rows: MONO on the diagonal, CROSS off it, MULTI against "all"; no row for a pair without queries', async () => {
  const ev = await evaluateRetrieval(benchmark, queries, candidates, 2);
  const rows = pairRows(ev);
  assert.deepEqual(rows.map((r) => [r.setting, r.queryLanguage, r.candidateLanguage, r.count]), [
    ['MONO', 'de', 'de', 1], ['CROSS', 'de', 'en', 1],
    ['CROSS', 'en', 'de', 1], ['MONO', 'en', 'en', 2], ['CROSS', 'en', 'es', 1],
    ['CROSS', 'es', 'en', 1], ['MONO', 'es', 'es', 1],
    ['MULTI', 'de', 'all', 1], ['MULTI', 'en', 'all', 2], ['MULTI', 'es', 'all', 1],
  ]);
  const mono = rows.find((r) => r.setting === 'MONO' && r.queryLanguage === 'de')!;
  assert.deepEqual(mono, { setting: 'MONO', queryLanguage: 'de', candidateLanguage: 'de', map: 1, recallAt1: 1, recallAt10: 1, ndcgAt10: 1, mrrAt10: 1, rankDistance: null, count: 1 });
  // In the pool of all six, q0's answers (cos 1) come first and second: rank distance 1.
  assert.deepEqual(rows.filter((r) => r.setting === 'MULTI').map((r) => [r.map, r.recallAt1, r.rankDistance]), [[1, 0.5, 1], [1, 0.5, 1], [1, 0.5, 1]]);

  const headlines = headlinesJson(headlineIntervals(ev, { B: 20, seed: 1 }));
  assert.equal(Object.keys(headlines).length, 16);
  assert.deepEqual(headlines['cross.map'], { estimate: 1, lo: 1, hi: 1 });
  assert.deepEqual(headlinesJson({ 'mono.map': { estimate: NaN, lo: NaN, hi: NaN }, 'cross.map': { estimate: 0.5, lo: 0.4, hi: 0.6 } } as never), {
    'cross.map': { estimate: 0.5, lo: 0.4, hi: 0.6 },
  });

  const snapshot = validationSnapshot('MLQA_R', ev);
  // Every headline's estimate, exactly what the stored report holds.
  assert.deepEqual(snapshot, { suite: 'MLQA_R', headlines: Object.fromEntries(Object.entries(headlines).map(([h, v]) => [h, v.estimate])) });
  assert.equal(Object.keys(snapshot.headlines).length, 16);
  assert.equal(snapshot.headlines['multi.rankDistance'], 1);
  assert.deepEqual(snapshotFromHeadlines('MLQA_R', headlines), snapshot);
});

test('the alignment summary fills the diagonals and keeps the pooled mAP interval', () => {
  const ev = {
    languages: ['de', 'en'],
    meanTranslationAccuracy: 0.9, meanSimilarityIndex: 3, meanCka: 0.7,
    translationAccuracy: [[NaN, 0.8], [1, NaN]],
    cka: [[1, 0.7], [0.7, 1]],
  } as AlignmentEvaluation;
  assert.deepEqual(alignmentSummary(ev, { estimate: 0.5, lo: 0.4, hi: 0.6 }), {
    languages: ['de', 'en'], meanTranslationAccuracy: 0.9, meanSimilarityIndex: 3, meanCka: 0.7,
    pooledMap: { estimate: 0.5, lo: 0.4, hi: 0.6 },
    translationAccuracy: [[1, 0.8], [1, 1]],
    cka: [[1, 0.7], [0.7, 1]],
  });
});
