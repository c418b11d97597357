import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tally } from './search-stats.js';

test('tally sums searches, hits and same-language hits per collection', () => {
  const totals = tally([
    { collectionId: 'a', queryLanguage: 'en', hits: [{ language: 'en' }, { language: 'de' }] },
    { collectionId: 'a', queryLanguage: 'en', hits: [] },
    { collectionId: 'b', queryLanguage: 'de', hits: [{ language: 'de' }] },
  ]);
  assert.deepEqual(Object.fromEntries(totals), {
    a: { searches: 2, hits: 2, hitsInQueryLanguage: 1 },
    b: { searches: 1, hits: 1, hitsInQueryLanguage: 1 },
  });
});
