import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMatrix, type PairRow } from './matrix.js';

const row = (setting: PairRow['setting'], q: string, c: string, map: number, rankDistance: number | null = null): PairRow => ({
  setting, queryLanguage: q, candidateLanguage: c, map, recallAt1: map / 2, recallAt10: map * 1.1, ndcgAt10: map, mrrAt10: map / 3, rankDistance,
});

const rows: PairRow[] = [
  row('CROSS', 'en', 'de', 0.6),
  row('MONO', 'de', 'de', 0.8),
  row('MONO', 'en', 'en', 0.9),
  row('CROSS', 'de', 'en', 0.5),
  row('MULTI', 'en', 'all', 0.4, 12),
  row('MULTI', 'de', 'all', 0.3, 20),
];

test('MONO_CROSS: mono cells on the diagonal, cross cells off it, languages sorted', () => {
  assert.deepEqual(buildMatrix(rows, 'MAP', 'MONO_CROSS'), {
    queryLanguages: ['de', 'en'],
    candidateLanguages: ['de', 'en'],
    values: [[0.8, 0.5], [0.6, 0.9]],
  });
  assert.deepEqual(buildMatrix(rows, 'RECALL1', 'MONO_CROSS').values, [[0.4, 0.25], [0.3, 0.45]]);
});

test('MULTI: one pooled column per query language; rank distance only there', () => {
  assert.deepEqual(buildMatrix(rows, 'RANK_DISTANCE', 'MULTI'), { queryLanguages: ['de', 'en'], candidateLanguages: ['all'], values: [[20], [12]] });
  assert.deepEqual(buildMatrix(rows, 'MRR10', 'MULTI').values, [[0.3 / 3], [0.4 / 3]]);
  assert.deepEqual(buildMatrix(rows, 'RANK_DISTANCE', 'MONO_CROSS').values, [[null, null], [null, null]]);
});

test('missing pairs and non-numbers are null; a candidate-only language still gets a row and a column', () => {
  const m = buildMatrix([row('CROSS', 'en', 'zh', 0.2), row('MONO', 'en', 'en', Number.NaN)], 'MAP', 'MONO_CROSS');
  assert.deepEqual(m, { queryLanguages: ['en', 'zh'], candidateLanguages: ['en', 'zh'], values: [[null, 0.2], [null, null]] });
  assert.deepEqual(buildMatrix([], 'MAP', 'MULTI'), { queryLanguages: [], candidateLanguages: ['all'], values: [] });
});
