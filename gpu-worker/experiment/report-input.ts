// What an experiment report is made of, gathered from the database by the REPORT job
// (report-job.ts) and rendered by report.ts. Plain data: the renderer does no I/O.

import type { AlignmentSummary, Baseline, EvaluationPairRow, Headlines } from '../../schema/evaluation.js';
import type { BatchStrategy, ModelSpec } from '../../schema/training.js';
import type { PairedTest } from '../evaluation/stats.js';

export type RetrievalSuiteName = 'XQUAD_R' | 'MLQA_R';

/** One evaluated run (a seed of an arm). */
export interface RunResult {
  runId: string;
  seed: number;
  /** Keys `<setting>.<metric>` (settings mono | cross | multi; metrics map | recall1 | recall10 | ndcg10 | mrr10; multi.rankDistance), each with its 95% bootstrap interval over questions. */
  headlines: Headlines;
  /** Per language pair (MONO diagonal, CROSS off-diagonal, MULTI against "all"). */
  rows: EvaluationPairRow[];
  /** Training wall time in seconds, when known. */
  trainSeconds: number | null;
}

/** A batching strategy of the protocol: MONO (alpha 1), CROSS (alpha 0) or HYBRID(alpha). */
export interface Arm {
  /** "MONO", "CROSS", "HYBRID(0.5)", "HYBRID(0.25)", ... */
  label: string;
  strategy: BatchStrategy;
  alpha: number;
  /** One per seed, in seed order; a failed run is absent. */
  runs: RunResult[];
  /** Seed-averaged headlines: the mean over seeds of each estimate, its interval from a bootstrap over questions of the seed-averaged per-question values. */
  pooled: Headlines;
  /** The same encoders searched as users get them (HYBRID, default fusion): the plan's first seeds, possibly on fewer questions (ExperimentPlan.evaluation.hybrid). */
  hybrid: Array<{ runId: string; seed: number; headlines: Headlines }>;
}

/** estimate(a) - estimate(b) on one headline, paired over questions, seed-averaged models. */
export interface PairedComparison {
  a: string;
  b: string;
  headline: string;
  test: PairedTest;
}

export interface BaselineResult {
  baseline: Baseline;
  headlines: Headlines;
  rows: EvaluationPairRow[];
}

/** Zero-shot protocol: train on one dataset, evaluate on the other suite. */
export interface Protocol {
  suite: RetrievalSuiteName;
  trainDatasets: string[];
  trainLanguages: string[];
  /** Languages of the evaluation suite, in matrix order. */
  evalLanguages: string[];
  /** Questions per language evaluated (subsampled presets evaluate fewer than the suite has). */
  queriesPerLanguage: number | null;
  /** Questions per language of the HYBRID evaluations; null: all; undefined: none planned. */
  hybridQueriesPerLanguage?: number | null;
  arms: Arm[];
  baselines: BaselineResult[];
  /** MONO vs HYBRID(0.5), CROSS vs HYBRID(0.5), MONO vs CROSS on mono/cross/multi mAP and multi.rankDistance. */
  paired: PairedComparison[];
}

/** XNLI alignment of one arm's runs (those of the first protocol). */
export interface AlignmentResult {
  label: string;
  /** One per seed. */
  runs: Array<{ seed: number; summary: AlignmentSummary }>;
}

export interface ExperimentReportInput {
  experiment: {
    id: string;
    name: string;
    preset: string;
    createdAt: Date;
    finishedAt: Date;
    seeds: number[];
    steps: number;
    batchSize: number;
    model: ModelSpec;
    /** Backend the workers trained on, e.g. "wasm (SIMD on)". */
    backend: string;
    /** Bootstrap replicates of the intervals and tests. */
    bootstrap: number;
    /** The training recipe the runs were built on (schema/recipes.ts); null: the plan's own settings. */
    recipe: string | null;
  };
  protocols: Protocol[];
  alignment: AlignmentResult[];
  /** Runs that did not succeed: label, seed, error. */
  failures: Array<{ suite: RetrievalSuiteName; label: string; seed: number; error: string }>;
}
