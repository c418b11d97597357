// BM25, the lexical reference of every table. Its tokenizer must work for all benchmark languages
// without language resources: NFKC + lowercase; words (letters, combining marks, digits) for
// scripts that separate words with spaces; overlapping character bigrams for scripts that do not
// (Han, kana, Thai, Lao, Khmer, Myanmar), since their word boundaries are not marked.

import type { RetrievalBenchmark } from './benchmark.js';
import type { Pool, RetrievalScorer } from './scoring.js';

const UNSPACED = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}';
// Marks belong to the word (Devanagari vowel signs, Arabic diacritics) or to the unspaced run (Thai vowels).
const TOKEN = new RegExp(`[${UNSPACED}]+|(?:(?![${UNSPACED}])[\\p{L}\\p{M}\\p{N}])+`, 'gu');
const UNSPACED_RUN = new RegExp(`^[${UNSPACED}]`, 'u');

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const [run] of text.normalize('NFKC').toLowerCase().matchAll(TOKEN)) {
    if (!UNSPACED_RUN.test(run)) {
      tokens.push(run);
      continue;
    }
    const chars = Array.from(run);
    if (chars.length === 1) tokens.push(run);
    for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i]! + chars[i + 1]!);
  }
  return tokens;
}

export interface Bm25Parameters {
  k1: number;
  b: number;
}

export const BM25_DEFAULTS: Bm25Parameters = { k1: 1.2, b: 0.75 };

export interface Bm25Index {
  size: number;
  /** Scores of one tokenized query against every document, written into out[0..size). */
  score(queryTokens: readonly string[], out: Float32Array, offset?: number): void;
}

/**
 * Okapi BM25 over tokenized documents, with Lucene's non-negative idf ln(1 + (N - df + 0.5)/(df + 0.5)).
 * Repeated query tokens count once per occurrence.
 */
export function buildBm25Index(documents: readonly (readonly string[])[], params: Bm25Parameters = BM25_DEFAULTS): Bm25Index {
  const size = documents.length;
  const postings = new Map<string, { docs: number[]; tfs: number[] }>();
  let totalLength = 0;
  documents.forEach((tokens, doc) => {
    totalLength += tokens.length;
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      let p = postings.get(t);
      if (!p) postings.set(t, (p = { docs: [], tfs: [] }));
      p.docs.push(doc);
      p.tfs.push(n);
    }
  });
  const avgLength = size === 0 ? 0 : totalLength / size;
  const norm = Float64Array.from(documents, (tokens) => params.k1 * (1 - params.b + (params.b * tokens.length) / (avgLength || 1)));
  return {
    size,
    score(queryTokens, out, offset = 0) {
      out.fill(0, offset, offset + size);
      for (const t of queryTokens) {
        const p = postings.get(t);
        if (!p) continue;
        const df = p.docs.length;
        const idf = Math.log(1 + (size - df + 0.5) / (df + 0.5));
        for (let i = 0; i < df; i++) {
          const doc = p.docs[i]!;
          const tf = p.tfs[i]!;
          out[offset + doc]! += (idf * tf * (params.k1 + 1)) / (tf + norm[doc]!);
        }
      }
    },
  };
}

/**
 * BM25 of the benchmark's query texts against its candidate sentences. Statistics (idf, average
 * length) come from the pool being ranked: one language, or all candidates.
 */
export function bm25Scorer(benchmark: RetrievalBenchmark, params: Bm25Parameters = BM25_DEFAULTS): RetrievalScorer {
  const docs = benchmark.candidates.map((c) => tokenize(c.text));
  const queryTokens = benchmark.queries.map((q) => tokenize(q.text));
  const perLanguage = benchmark.candidateRanges.map((r) => buildBm25Index(docs.slice(r.start, r.end), params));
  let all: Bm25Index | undefined;
  const indexFor = (pool: Pool): Bm25Index => {
    switch (pool.kind) {
      case 'language':
        return perLanguage[pool.language]!;
      case 'all':
        return (all ??= buildBm25Index(docs, params));
      default:
        return pool satisfies never;
    }
  };
  return {
    poolInvariant: false,
    scoreBlock(start, end, pool, out) {
      const index = indexFor(pool);
      for (let q = start; q < end; q++) index.score(queryTokens[q]!, out, (q - start) * index.size);
    },
  };
}
