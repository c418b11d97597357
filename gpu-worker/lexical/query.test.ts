import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLexicalQueries, LITERAL_DISTANCE, type QueryTranslator, type TermAnalyzer } from './query.js';
import { queryTerms } from './terms.js';

const analyzer = (): TermAnalyzer => ({ terms: (t) => t.toLowerCase().split(/\s+/).filter(Boolean), words: (t) => t.toLowerCase().split(/\s+/).filter(Boolean) });
const translator: QueryTranslator = {
  covers: (from, to) => from === 'de' && to === 'en',
  steps: (from, to) => (from === to ? 0 : from === 'de' && to === 'en' ? 1 : undefined),
  translate: (words) => words.flatMap((w) => (w === 'einwohner' ? [{ text: 'inhabitants', weight: 1 }, { text: 'residents', weight: 0.5 }] : [{ text: w, weight: 1 }])),
  ownWeight: (word) => (word === 'wie' ? 0.2 : 1),
};

test('a query is its own terms in its language, translated where a dictionary covers the pair, literal elsewhere', () => {
  const queries = createLexicalQueries(analyzer, translator);
  const [de, en, fr] = queries.expand('Einwohner 1901', 'de', ['de', 'en', 'fr'], true);
  assert.deepEqual(de, { language: 'de', terms: queryTerms('de', [{ term: 'einwohner', weight: 1 }, { term: '1901', weight: 1 }]), distance: 0 });
  assert.deepEqual(en, {
    language: 'en',
    terms: queryTerms('en', [{ term: 'inhabitants', weight: 1 }, { term: 'residents', weight: 0.5 }, { term: '1901', weight: 1 }]),
    distance: 1,
  });
  assert.equal(fr!.distance, LITERAL_DISTANCE, 'no de-fr dictionary: literal terms');
  // dictionary: false reads every language literally.
  assert.ok(queries.expand('Einwohner 1901', 'de', ['en'], false).every((q) => q.distance === LITERAL_DISTANCE));
});

test('in its own language a query\'s frequent words are damped as the dictionaries say, only when the dictionary is on', () => {
  const queries = createLexicalQueries(analyzer, translator);
  const [damped] = queries.expand('Wie viele Einwohner', 'de', ['de'], true);
  assert.deepEqual(damped, {
    language: 'de',
    terms: queryTerms('de', [{ term: 'wie', weight: 0.2 }, { term: 'viele', weight: 1 }, { term: 'einwohner', weight: 1 }]),
    distance: 0,
  });
  const [plain] = queries.expand('Wie viele Einwohner', 'de', ['de'], false);
  assert.deepEqual(plain!.terms, queryTerms('de', ['wie', 'viele', 'einwohner'].map((term) => ({ term, weight: 1 }))), 'BM25 without the dictionaries: every word weighs 1');
});
