import assert from 'node:assert/strict';
import test from 'node:test';
import { DEFAULT_RETRIEVAL, type RetrievalSettings } from '../../schema/serving.js';
import { LITERAL_DISTANCE, type LanguageQuery, type LexicalQueries } from '../lexical/query.js';
import type { SearchHit, VectorStore } from '../vectors/store.js';
import { createRetriever, LANGUAGE_MERGES, type LanguageMerge } from './retriever.js';

const hit = (language: string, id: string, score: number): SearchHit => ({
  id,
  score,
  payload: { language, dataset: 'd', documentId: id, groupId: id, text: id },
});

/** A store whose lexical search answers each language's query with the given list. */
function storeWith(lists: Record<string, SearchHit[]>): VectorStore {
  return {
    searchLexical: async (_collection: string, queries: Array<{ languages?: string[] }>) => queries.map((q) => lists[q.languages![0]!] ?? []),
  } as unknown as VectorStore;
}

/** The query in its own language (distance 0), translated directly into en (1), through English into es (2), literal in fr. */
const lexical: LexicalQueries = {
  expand: (_text, queryLanguage, languages) =>
    languages.map((language): LanguageQuery => ({
      language,
      terms: { indices: [1], values: [1] },
      distance: language === queryLanguage ? 0 : language === 'en' ? 1 : language === 'es' ? 2 : LITERAL_DISTANCE,
    })),
};

const LEXICAL: RetrievalSettings = { ...DEFAULT_RETRIEVAL, mode: 'LEXICAL' };

async function search(lists: Record<string, SearchHit[]>, languageMerge?: LanguageMerge): Promise<string[]> {
  const retriever = createRetriever(storeWith(lists), lexical, languageMerge ? { languageMerge } : {});
  const [hits] = await retriever.searchMany('c', Object.keys(lists), [{ text: 'q', queryLanguage: 'de', k: 10, retrieval: LEXICAL }], async () => []);
  return hits!.map((h) => h.id);
}

test('BEST: each language scaled to its best; ties go to fewer translation steps, then to the higher raw score', async () => {
  const order = await search({
    fr: [hit('fr', 'fr1', 30)],
    es: [hit('es', 'es1', 20), hit('es', 'es2', 10)],
    en: [hit('en', 'en1', 5), hit('en', 'en2', 4)],
    de: [hit('de', 'de1', 9), hit('de', 'de2', 8.1)],
  }, 'BEST');
  // Bests (1.0): de (own), en (direct), es (through English), fr (literal), whatever their raw scores;
  // then de2 (0.9), en2 (0.8), es2 (0.5).
  assert.deepEqual(order, ['de1', 'en1', 'es1', 'fr1', 'de2', 'en2', 'es2']);
});

test('BEST: among lists at the same distance, the higher raw score wins the tie', async () => {
  const retriever = createRetriever(storeWith({ ru: [hit('ru', 'ru1', 3)], el: [hit('el', 'el1', 7)] }), {
    expand: (_t, _q, languages) => languages.map((language) => ({ language, terms: { indices: [1], values: [1] }, distance: 2 })),
  }, { languageMerge: 'BEST' });
  const [hits] = await retriever.searchMany('c', ['ru', 'el'], [{ text: 'q', queryLanguage: 'de', k: 5, retrieval: LEXICAL }], async () => []);
  assert.deepEqual(hits!.map((h) => h.id), ['el1', 'ru1']);
});

test('every merge keeps each language\'s own order and returns every hit once', async () => {
  const lists = {
    de: [hit('de', 'de1', 9), hit('de', 'de2', 3), hit('de', 'de3', 1)],
    en: [hit('en', 'en1', 12), hit('en', 'en2', 11.5)],
  };
  for (const merge of LANGUAGE_MERGES) {
    const order = await search(lists, merge);
    assert.deepEqual([...order].sort(), ['de1', 'de2', 'de3', 'en1', 'en2'], merge);
    assert.deepEqual(order.filter((id) => id.startsWith('de')), ['de1', 'de2', 'de3'], merge);
  }
  // SUM: de1 stands out of its list (9 against 3 and 1), en1 barely beats en2: de1 first.
  assert.equal((await search(lists, 'SUM'))[0], 'de1');
});

test('ZMUV (the default): a language whose hits stand out of its list comes first, whatever the raw scale', async () => {
  // en's raw scores are 100 times de's, but en1 barely beats en2..en4 while de1 stands out.
  const order = await search({
    en: [hit('en', 'en1', 1000), hit('en', 'en2', 990), hit('en', 'en3', 985), hit('en', 'en4', 980)],
    de: [hit('de', 'de1', 10), hit('de', 'de2', 1)],
  });
  assert.equal(order[0], 'de1');
});
