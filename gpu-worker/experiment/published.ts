// The numbers the study publishes (docs/method.md), for the report to print beside ours. The paper's
// batchings map onto our arms: X-X-mono = MONO, X-Y = CROSS, Hybrid = HYBRID(0.5).

import type { RetrievalSuiteName } from './report-input.js';

export type PublishedBatching = 'X-X-mono' | 'X-Y' | 'Hybrid';

export const ARM_OF_BATCHING: Readonly<Record<PublishedBatching, string>> = {
  'X-X-mono': 'MONO',
  'X-Y': 'CROSS',
  Hybrid: 'HYBRID(0.5)',
};

/** mAP in the three settings and the multilingual maximum rank distance of one suite. */
export interface PublishedScores {
  monoMap: number;
  crossMap: number;
  multiMap: number;
  rankDistance: number;
}

export interface PublishedRow {
  model: 'XLM-R' | 'LaBSE';
  batching: PublishedBatching;
  arm: string;
  suites: Record<RetrievalSuiteName, PublishedScores>;
}

export const PUBLISHED_SOURCE = 'Elmahdy, Lin, Ahmad, arXiv 2408.10536 (2024)';

const row = (model: PublishedRow['model'], batching: PublishedBatching, xquad: number[], mlqa: number[], rank: [number, number]): PublishedRow => ({
  model,
  batching,
  arm: ARM_OF_BATCHING[batching],
  suites: {
    XQUAD_R: { monoMap: xquad[0]!, crossMap: xquad[1]!, multiMap: xquad[2]!, rankDistance: rank[0] },
    MLQA_R: { monoMap: mlqa[0]!, crossMap: mlqa[1]!, multiMap: mlqa[2]!, rankDistance: rank[1] },
  },
});

export const PUBLISHED_ROWS: readonly PublishedRow[] = [
  row('XLM-R', 'X-X-mono', [0.792, 0.674, 0.547], [0.648, 0.584, 0.473], [410.2, 287.5]),
  row('XLM-R', 'X-Y', [0.755, 0.7, 0.593], [0.626, 0.62, 0.508], [295.4, 226.7]),
  row('XLM-R', 'Hybrid', [0.798, 0.705, 0.593], [0.648, 0.623, 0.512], [286.6, 227.1]),
  row('LaBSE', 'X-X-mono', [0.808, 0.752, 0.652], [0.681, 0.656, 0.55], [261.5, 225.3]),
  row('LaBSE', 'X-Y', [0.801, 0.762, 0.679], [0.671, 0.677, 0.576], [225.2, 198.3]),
  row('LaBSE', 'Hybrid', [0.817, 0.767, 0.682], [0.686, 0.681, 0.579], [221.1, 195.0]),
];

/** LAReQA's mBERT baselines (Roy et al., EMNLP 2020): multilingual-pool mAP only. */
export interface LareqaBaseline {
  model: 'mBERT';
  batching: 'En-En' | 'X-X' | 'X-X-mono' | 'X-Y';
  /** Our arm trained the same way, if any. */
  arm: string | null;
  multiMap: Record<RetrievalSuiteName, number>;
}

export const LAREQA_SOURCE = 'Roy et al., LAReQA, EMNLP 2020';

export const LAREQA_MBERT: readonly LareqaBaseline[] = [
  { model: 'mBERT', batching: 'En-En', arm: null, multiMap: { XQUAD_R: 0.29, MLQA_R: 0.36 } },
  { model: 'mBERT', batching: 'X-X', arm: null, multiMap: { XQUAD_R: 0.23, MLQA_R: 0.26 } },
  { model: 'mBERT', batching: 'X-X-mono', arm: 'MONO', multiMap: { XQUAD_R: 0.52, MLQA_R: 0.49 } },
  { model: 'mBERT', batching: 'X-Y', arm: 'CROSS', multiMap: { XQUAD_R: 0.66, MLQA_R: 0.49 } },
];
