// BM25 as sparse vectors (what VectorStore.searchLexical scores). A document's weights are BM25's
// saturated term frequencies, tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl)), fixed at indexing
// with the corpus's average length; the store multiplies by idf at query time. Term ids hash the
// language with the term, so every language has its own statistics (a German "die" is not an
// English "die") and a query reaches another language only through its translation.

import type { SparseVector } from '../vectors/store.js';
import { BM25_DEFAULTS } from '../../schema/serving.js';

export interface Bm25Settings {
  k1: number;
  b: number;
}

/** FNV-1a over UTF-16 code units of `language \0 term`: a uint32, as Qdrant's sparse indices are. */
export function termId(language: string, term: string): number {
  let hash = 0x811c9dc5;
  const key = `${language}\u0000${term}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A document's BM25 weights; `averageLength` is the corpus's mean term count. */
export function documentTerms(language: string, terms: readonly string[], averageLength: number, settings: Bm25Settings = BM25_DEFAULTS): SparseVector {
  const counts = new Map<number, number>();
  for (const term of terms) {
    const id = termId(language, term);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const { k1, b } = settings;
  const norm = k1 * (1 - b + (b * terms.length) / (averageLength || 1));
  const indices = [...counts.keys()];
  return { indices, values: indices.map((id) => (counts.get(id)! * (k1 + 1)) / (counts.get(id)! + norm)) };
}

export interface WeightedTerm {
  term: string;
  weight: number;
}

/** A query in one language: weights of repeated terms add up. */
export function queryTerms(language: string, terms: readonly WeightedTerm[]): SparseVector {
  const weights = new Map<number, number>();
  for (const { term, weight } of terms) {
    const id = termId(language, term);
    weights.set(id, (weights.get(id) ?? 0) + weight);
  }
  return { indices: [...weights.keys()], values: [...weights.values()] };
}

/**
 * The BM25 terms of a corpus's documents, each analysed in its language; length normalisation uses
 * each language's mean term count (languages segment differently: bigrams, stems, words).
 */
export function corpusTerms(
  documents: readonly { language: string; text: string }[],
  analyzer: (language: string) => { terms(text: string): string[] },
  settings: Bm25Settings = BM25_DEFAULTS,
): SparseVector[] {
  const terms = documents.map((d) => analyzer(d.language).terms(d.text));
  const totals = new Map<string, { terms: number; documents: number }>();
  documents.forEach((d, i) => {
    const total = totals.get(d.language) ?? { terms: 0, documents: 0 };
    total.terms += terms[i]!.length;
    total.documents++;
    totals.set(d.language, total);
  });
  return documents.map((d, i) => {
    const total = totals.get(d.language)!;
    return documentTerms(d.language, terms[i]!, total.terms / total.documents, settings);
  });
}
