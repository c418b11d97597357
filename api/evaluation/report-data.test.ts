import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headlineEstimates, readAlignment, readEvaluationRequest, readHeadlines } from './report-data.js';

const iv = (estimate: number) => ({ estimate, lo: estimate - 0.1, hi: estimate + 0.1 });

test('headlines: ordered by setting then metric as in the paper, malformed entries left out', () => {
  // Postgres jsonb reorders keys, so the order must come from the names.
  const json = { 'multi.rankDistance': iv(12), 'cross.map': iv(0.6), 'mono.mrr10': iv(0.7), 'mono.map': iv(0.8), 'zzz.custom': iv(1), 'multi.map': { estimate: null, lo: 0, hi: 1 } };
  assert.deepEqual(readHeadlines(json).map((h) => h.name), ['mono.map', 'mono.mrr10', 'cross.map', 'multi.rankDistance', 'zzz.custom']);
  assert.deepEqual(readHeadlines(json)[0], { name: 'mono.map', estimate: 0.8, lo: 0.8 - 0.1, hi: 0.8 + 0.1 });
  assert.deepEqual(readHeadlines(null), []);
});

const ALIGNMENT = {
  languages: ['de', 'en'], meanTranslationAccuracy: 0.9, meanSimilarityIndex: 3.5, meanCka: 0.7, pooledMap: iv(0.5),
  translationAccuracy: [[1, 0.9], [0.9, 1]], cka: [[1, 0.7], [0.7, 1]],
};

test('alignment summary read back; incomplete ones are null', () => {
  assert.deepEqual(readAlignment(ALIGNMENT), ALIGNMENT);
  assert.equal(readAlignment({ ...ALIGNMENT, cka: [['x']] }), null);
  assert.equal(readAlignment(null), null);
});

test('progress estimates: headline estimates, else the alignment means', () => {
  assert.deepEqual(headlineEstimates({ 'cross.map': iv(0.6), 'mono.map': iv(0.8) }, null), [{ name: 'mono.map', value: 0.8 }, { name: 'cross.map', value: 0.6 }]);
  assert.deepEqual(headlineEstimates({}, ALIGNMENT).map((h) => h.name), ['meanTranslationAccuracy', 'meanSimilarityIndex', 'meanCka', 'pooledMap']);
});

test('evaluation requests are read from job payloads; anything else is null', () => {
  const request = { target: { kind: 'checkpoint', checkpointId: 'c' }, suites: ['MLQA_R'], bootstrap: 100, seed: 1 };
  assert.deepEqual(readEvaluationRequest(request), request);
  assert.equal(readEvaluationRequest({ ...request, target: { kind: 'baseline', baseline: 'TFIDF' } }), null);
  assert.equal(readEvaluationRequest({ ...request, suites: ['NOPE'] }), null);
  assert.equal(readEvaluationRequest(null), null);
});
