import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLexicalQueries, type QueryTranslator, type TermAnalyzer } from './query.js';
import { queryTerms } from './terms.js';

const analyzer = (): TermAnalyzer => ({ terms: (t) => t.toLowerCase().split(/\s+/).filter(Boolean), words: (t) => t.toLowerCase().split(/\s+/).filter(Boolean) });
const translator: QueryTranslator = {
  covers: (from, to) => from === 'de' && to === 'en',
  translate: (words) => words.flatMap((w) => (w === 'einwohner' ? [{ text: 'inhabitants', weight: 1 }, { text: 'residents', weight: 0.5 }] : [{ text: w, weight: 1 }])),
};

test('a query is its own terms in its language, translated where a dictionary covers the pair, literal elsewhere', () => {
  const queries = createLexicalQueries(analyzer, translator);
  const [de, en, fr] = queries.expand('Einwohner 1901', 'de', ['de', 'en', 'fr'], true);
  assert.deepEqual(de, { language: 'de', terms: queryTerms('de', [{ term: 'einwohner', weight: 1 }, { term: '1901', weight: 1 }]), translated: false });
  assert.deepEqual(en, {
    language: 'en',
    terms: queryTerms('en', [{ term: 'inhabitants', weight: 1 }, { term: 'residents', weight: 0.5 }, { term: '1901', weight: 1 }]),
    translated: true,
  });
  assert.equal(fr!.translated, false, 'no de-fr dictionary: literal terms');
  // dictionary: false reads every language literally.
  assert.ok(queries.expand('Einwohner 1901', 'de', ['en'], false).every((q) => !q.translated));
});
