// Retrieval as users get it, shared by query serving and evaluation: dense search with the
// checkpoint's query vectors, lexical search with the query expanded into each candidate language,
// or both fused. Each list is cut at a depth of max(k, DEPTH) before fusing, so a fused top-k does
// not depend on how far below the cut a store could have ranked.
//
// Lexical lists of several languages are merged after putting each language's scores on a common
// scale: BM25 scores of a translated query are lower than those of the original (fewer and weaker
// matches), and unscaled they would rank every hit in the query's own language first (language
// bias; see the rank distance in evaluation reports). BEST scales each list to its best hit (every
// language's best then ties); ZMUV and SUM (lexical/fusion.ts) score a hit by how it stands out of
// its language's list, so a language whose best stands out ranks above one whose best barely beats
// the rest.

import type { RetrievalSettings } from '../../schema/serving.js';
import { fuse, scaleToBest, shareOfSum, standardise } from '../lexical/fusion.js';
import type { LexicalQueries } from '../lexical/query.js';
import type { LexicalQuery, SearchHit, VectorStore } from '../vectors/store.js';

/** Candidates taken from each list before fusion, at least. */
export const DEPTH = 100;

export const LANGUAGE_MERGES = ['BEST', 'ZMUV', 'SUM'] as const;
export type LanguageMerge = (typeof LANGUAGE_MERGES)[number];

export interface RetrieverOptions {
  /** How per-language lexical lists are put on one scale (default DEFAULT_LANGUAGE_MERGE). */
  languageMerge?: LanguageMerge;
}

// Chosen on validation (bench/bm25-settings.ts --own-frequent-weights --merge ...): multilingual
// mAP 0.214 against BEST's 0.160 on XNLI, 0.185 against 0.097 on MLQA-R.
export const DEFAULT_LANGUAGE_MERGE: LanguageMerge = 'ZMUV';

export interface RetrievalQuery {
  text: string;
  queryLanguage: string;
  k: number;
  languages?: readonly string[];
  retrieval: RetrievalSettings;
}

export interface Retriever {
  /**
   * Hits per query, best first. `embed` gives the query vectors of those that need dense search;
   * `collectionLanguages` are the languages the collection holds (lexical queries go to each).
   */
  searchMany(
    collection: string,
    collectionLanguages: readonly string[],
    queries: readonly RetrievalQuery[],
    embed: (texts: string[]) => Promise<Float32Array[]>,
  ): Promise<SearchHit[][]>;
}

/**
 * One list from per-language lists cut at `depth`, scaled as `merge` says. Ties (with BEST, every
 * language's best is 1) go to the list whose query took fewer translation steps (the query's own
 * language, then a direct dictionary, then through English, then literal terms: less translation
 * noise), then to the higher raw BM25 score.
 */
function mergeLanguages(lists: ReadonlyArray<{ hits: readonly SearchHit[]; distance: number }>, merge: LanguageMerge, depth: number): SearchHit[] {
  const tiebreak = new Map<SearchHit, { distance: number; raw: number }>();
  const scaled = lists.flatMap(({ hits, distance }) => {
    const out = normalised(hits, merge, depth);
    out.forEach((hit, i) => tiebreak.set(hit, { distance, raw: hits[i]!.score }));
    return out;
  });
  return scaled.sort((a, b) => b.score - a.score || tiebreak.get(a)!.distance - tiebreak.get(b)!.distance || tiebreak.get(b)!.raw - tiebreak.get(a)!.raw);
}

function normalised(list: readonly SearchHit[], merge: LanguageMerge, depth: number): SearchHit[] {
  switch (merge) {
    case 'BEST':
      return scaleToBest(list);
    case 'ZMUV':
      return standardise(list, depth);
    case 'SUM':
      return shareOfSum(list, depth);
    default:
      return merge satisfies never;
  }
}

export function createRetriever(store: VectorStore, lexical: LexicalQueries, options: RetrieverOptions = {}): Retriever {
  const languageMerge = options.languageMerge ?? DEFAULT_LANGUAGE_MERGE;
  return {
    async searchMany(collection, collectionLanguages, queries, embed) {
      const depth = (q: RetrievalQuery) => Math.max(q.k, DEPTH);
      const denseWanted = queries.flatMap((q, i) => (q.retrieval.mode === 'LEXICAL' ? [] : [i]));
      const lexicalWanted = queries.flatMap((q, i) => (q.retrieval.mode === 'DENSE' ? [] : [i]));

      const dense: SearchHit[][] = new Array(queries.length);
      const denseSearch = async () => {
        if (denseWanted.length === 0) return;
        const vectors = await embed(denseWanted.map((i) => queries[i]!.text));
        const found = await store.searchMany(
          collection,
          denseWanted.map((i, j) => {
            const q = queries[i]!;
            return { vector: vectors[j]!, k: q.retrieval.mode === 'DENSE' ? q.k : depth(q), ...(q.languages ? { languages: q.languages } : {}) };
          }),
        );
        denseWanted.forEach((i, j) => (dense[i] = found[j]!));
      };

      const lexicalHits: SearchHit[][] = new Array(queries.length);
      const lexicalSearch = async () => {
        if (lexicalWanted.length === 0) return;
        const asked: LexicalQuery[] = [];
        const owners: Array<Array<{ asked: number; distance: number }>> = [];
        for (const i of lexicalWanted) {
          const q = queries[i]!;
          const languages = q.languages ? collectionLanguages.filter((l) => q.languages!.includes(l)) : collectionLanguages;
          owners[i] = [];
          for (const { language, terms, distance } of lexical.expand(q.text, q.queryLanguage, languages, q.retrieval.dictionary)) {
            if (terms.indices.length === 0) continue;
            owners[i]!.push({ asked: asked.length, distance });
            asked.push({ terms, k: depth(q), languages: [language] });
          }
        }
        const found = asked.length > 0 ? await store.searchLexical(collection, asked) : [];
        for (const i of lexicalWanted) {
          const lists = owners[i]!.map(({ asked: a, distance }) => ({ hits: found[a]!, distance }));
          const merged = lists.length === 1 ? lists[0]!.hits : mergeLanguages(lists, languageMerge, depth(queries[i]!));
          lexicalHits[i] = merged.slice(0, depth(queries[i]!));
        }
      };

      await Promise.all([denseSearch(), lexicalSearch()]);
      return queries.map((q, i) => {
        switch (q.retrieval.mode) {
          case 'DENSE':
            return dense[i]!;
          case 'LEXICAL':
            return lexicalHits[i]!.slice(0, q.k);
          case 'HYBRID':
            return fuse([dense[i]!, lexicalHits[i]!], q.retrieval.fusion)
              .slice(0, q.k)
              .map(({ item, score }) => ({ ...item, score }));
          default:
            return q.retrieval.mode satisfies never;
        }
      });
    },
  };
}
