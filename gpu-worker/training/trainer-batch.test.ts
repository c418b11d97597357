import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Batch } from './sampler.js';
import { batchTexts, type PairText } from './trainer-batch.js';

const pair = (id: string, query: PairText, passage: PairText, languages = ['en', 'de'] as const) => ({
  groupId: id,
  queryLanguage: languages[0],
  passageLanguage: languages[1],
  query,
  passage,
});

test('batch texts carry the E5 prefixes, and hard negatives come from the passage side without false negatives', () => {
  const batch: Batch<PairText> = {
    source: 's',
    mode: 'CROSS',
    composition: { 'en-de': 3 },
    pairs: [
      pair('a', { query: 'qa', passage: 'pa', hardNegative: 'unused: query side' }, { query: 'qa-de', passage: 'pa-de', hardNegative: 'na-de' }),
      // Its hard negative is the positive of row c: a false negative, dropped.
      pair('b', { query: 'qb', passage: 'pb' }, { query: 'qb-de', passage: 'pb-de', hardNegative: 'pc-de' }),
      // A repeat of row a's hard negative: kept once.
      pair('c', { query: 'qc', passage: 'pc' }, { query: 'qc-de', passage: 'pc-de', hardNegative: 'na-de' }),
    ],
  };
  assert.deepEqual(batchTexts(batch), {
    queries: ['Query: qa', 'Query: qb', 'Query: qc'],
    passages: ['Passage: pa-de', 'Passage: pb-de', 'Passage: pc-de'],
    hardNegatives: ['Passage: na-de'],
    composition: { 'en-de': 3 },
  });
  const plain = { ...batch, pairs: batch.pairs.map((p) => ({ ...p, passage: { query: p.passage.query, passage: p.passage.passage } })) };
  assert.deepEqual(batchTexts(plain).hardNegatives, [], 'no hard negatives, no extra columns');
});
