// Evaluation requests as the gateway stores them (Job.payload of an EVALUATE job) and the worker
// reads them, and the shape of the results the worker writes.

import type { RetrievalSettings } from './serving.js';
import type { EvaluationSuite } from './training.js';

/**
 * BM25: lexical search of the serving path without the dictionaries (literal terms across
 * languages); DICT_BM25: with them; RANDOM: an untrained encoder of the default model spec,
 * searched in the request's mode.
 */
export const BASELINES = ['BM25', 'DICT_BM25', 'RANDOM'] as const;
export type Baseline = (typeof BASELINES)[number];

/** The retrieval a baseline is evaluated with, whatever the request asked; RANDOM follows the request. */
export function baselineRetrieval(baseline: Baseline, requested: RetrievalSettings): RetrievalSettings {
  switch (baseline) {
    case 'BM25':
      return { ...requested, mode: 'LEXICAL', dictionary: false };
    case 'DICT_BM25':
      return { ...requested, mode: 'LEXICAL', dictionary: true };
    case 'RANDOM':
      return requested;
    default:
      return baseline satisfies never;
  }
}

/** Baselines without embeddings: they have no XNLI alignment. */
export const LEXICAL_BASELINES: readonly Baseline[] = ['BM25', 'DICT_BM25'];

/** What is evaluated: a run's latest checkpoint, one checkpoint, or a reference baseline. */
export type EvaluationTarget =
  | { kind: 'run'; runId: string }
  | { kind: 'checkpoint'; checkpointId: string }
  | { kind: 'baseline'; baseline: Baseline };

export interface EvaluationRequest {
  target: EvaluationTarget;
  /** Built-in suites; may be empty when datasets names imported suites. */
  suites: EvaluationSuite[];
  /** Imported evaluation suites (ImportedDataset names of kind RETRIEVAL or BITEXT), after the suites. */
  datasets?: string[];
  /** Bootstrap replicates for the confidence intervals. */
  bootstrap: number;
  /** Seed of the bootstrap and of the RANDOM baseline. */
  seed: number;
  /**
   * How retrieval suites are searched: exactly as search answers users (gpu-worker/serving/retriever.ts).
   * Absent in requests written before modes existed: DENSE.
   */
  retrieval?: RetrievalSettings;
  /**
   * Evaluate only the first N questions of each language (retrieval suites; the candidate pools
   * stay whole) and the first N sentences of each language (XNLI). Omitted: everything.
   */
  queriesPerLanguage?: number;
}

export const DEFAULT_EVALUATION = { bootstrap: 1000, seed: 0 };

/** A number with its 95% bootstrap interval over queries. */
export interface IntervalValue {
  estimate: number;
  lo: number;
  hi: number;
}

/**
 * Headline numbers of a retrieval suite, keyed `<setting>.<metric>`: settings mono | cross |
 * multi, metrics map | recall1 | recall10 | ndcg10 | mrr10, plus multi.rankDistance.
 */
export type Headlines = Record<string, IntervalValue>;

/** XNLI alignment summary: means over ordered language pairs, pooled mAP with its interval. */
export interface AlignmentSummary {
  languages: string[];
  meanTranslationAccuracy: number;
  meanSimilarityIndex: number;
  meanCka: number;
  pooledMap: IntervalValue;
  /** [a][b] matrices over `languages`. */
  translationAccuracy: number[][];
  cka: number[][];
}

/** The candidate language of MULTI rows: the pooled candidates of every language. */
export const POOLED = 'all';

/** One stored Evaluation row: MONO on the diagonal, CROSS off it, MULTI against candidate language "all". */
export interface EvaluationPairRow {
  setting: 'MONO' | 'CROSS' | 'MULTI';
  queryLanguage: string;
  candidateLanguage: string;
  map: number;
  recallAt1: number;
  recallAt10: number;
  ndcgAt10: number;
  mrrAt10: number;
  rankDistance: number | null;
  count: number;
}

export function describeTarget(target: EvaluationTarget): string {
  switch (target.kind) {
    case 'run':
      return `run ${target.runId}`;
    case 'checkpoint':
      return `checkpoint ${target.checkpointId}`;
    case 'baseline':
      return `baseline ${target.baseline}`;
  }
}
