// Retrieval as users get it, shared by query serving and evaluation: dense search with the
// checkpoint's query vectors, lexical search with the query expanded into each candidate language,
// or both fused. Each list is cut at a depth of max(k, DEPTH) before fusing, so a fused top-k does
// not depend on how far below the cut a store could have ranked.
//
// Lexical lists of several languages are merged after scaling each language's scores to its best
// hit: BM25 scores of a translated query are lower than those of the original (fewer and weaker
// matches), and unscaled they would rank every hit in the query's own language first (language
// bias; see the rank distance in evaluation reports).

import type { RetrievalSettings } from '../../schema/serving.js';
import { fuse, scaleToBest } from '../lexical/fusion.js';
import type { LexicalQueries } from '../lexical/query.js';
import type { LexicalQuery, SearchHit, VectorStore } from '../vectors/store.js';

/** Candidates taken from each list before fusion, at least. */
export const DEPTH = 100;

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
 * One list from per-language lists: scores scaled to each language's best, ties (every language's
 * best is 1) broken by the raw BM25 score, which favours the languages the query matched best.
 */
function mergeLanguages(lists: readonly SearchHit[][]): SearchHit[] {
  const raw = new Map<SearchHit, number>();
  const scaled = lists.flatMap((list) => {
    const out = scaleToBest(list);
    out.forEach((hit, i) => raw.set(hit, list[i]!.score));
    return out;
  });
  return scaled.sort((a, b) => b.score - a.score || raw.get(b)! - raw.get(a)!);
}

export function createRetriever(store: VectorStore, lexical: LexicalQueries): Retriever {
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
        const owners: number[][] = [];
        for (const i of lexicalWanted) {
          const q = queries[i]!;
          const languages = q.languages ? collectionLanguages.filter((l) => q.languages!.includes(l)) : collectionLanguages;
          owners[i] = [];
          for (const { language, terms } of lexical.expand(q.text, q.queryLanguage, languages, q.retrieval.dictionary)) {
            if (terms.indices.length === 0) continue;
            owners[i]!.push(asked.length);
            asked.push({ terms, k: depth(q), languages: [language] });
          }
        }
        const found = asked.length > 0 ? await store.searchLexical(collection, asked) : [];
        for (const i of lexicalWanted) {
          const lists = owners[i]!.map((a) => found[a]!);
          const merged = lists.length === 1 ? lists[0]! : mergeLanguages(lists);
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
