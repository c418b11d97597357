// The payload of an EMBED job as the gateway's indexCorpus writes it. Parsed defensively: a
// malformed payload can never succeed, so it fails the job without retries.

import { nonRetryable } from '../../schema/jobs.js';
import type { RetrievalBenchmarkName } from '../evaluation/benchmark.js';

export interface IndexCorpusPayload {
  checkpointId: string;
  dataset: RetrievalBenchmarkName;
  languages: string[];
  /** Vector collection name, fixed by the gateway so that a redelivery writes the same one. */
  collection: string;
  /** BM25 settings of the lexical index; absent in payloads written before it existed (defaults). */
  bm25?: { k1: number; b: number };
}

export function parseIndexCorpusPayload(payload: unknown): IndexCorpusPayload {
  const p = (payload ?? {}) as Record<string, unknown>;
  const bad = (what: string) => nonRetryable(`EMBED payload: ${what}`);
  if (typeof p.checkpointId !== 'string' || p.checkpointId === '') throw bad('checkpointId must be a non-empty string');
  if (p.dataset !== 'xquad-r' && p.dataset !== 'mlqa-r') throw bad(`dataset ${JSON.stringify(p.dataset)} is not xquad-r or mlqa-r`);
  if (!Array.isArray(p.languages) || p.languages.length === 0 || !p.languages.every((l) => typeof l === 'string')) {
    throw bad('languages must be a non-empty list of strings');
  }
  if (typeof p.collection !== 'string' || p.collection === '') throw bad('collection must be a non-empty string');
  let bm25: IndexCorpusPayload['bm25'];
  if (p.bm25 !== undefined) {
    const { k1, b } = (p.bm25 ?? {}) as Record<string, unknown>;
    if (typeof k1 !== 'number' || typeof b !== 'number' || !(k1 >= 0) || !(b >= 0 && b <= 1)) throw bad('bm25 must be { k1 >= 0, b in [0, 1] }');
    bm25 = { k1, b };
  }
  return { checkpointId: p.checkpointId, dataset: p.dataset, languages: p.languages as string[], collection: p.collection, ...(bm25 ? { bm25 } : {}) };
}

/** Point ids are stable across deliveries, so a redelivered job replaces rather than duplicates. */
export const candidatePointId = (language: string, paragraphIndex: number, sentenceIndex: number) =>
  `${language}:${paragraphIndex}:${sentenceIndex}`;
