// The specification of a training run as the gateway stores it (Run row) and the worker reads it.
// Defaults live here, in one place, so that the gateway and the worker never disagree on them.

export const BATCH_STRATEGIES = ['MONO', 'CROSS', 'HYBRID'] as const;
export type BatchStrategy = (typeof BATCH_STRATEGIES)[number];

export const MODEL_FAMILIES = ['BAG_OF_SUBWORDS', 'TRANSFORMER'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

export const POOLINGS = ['MEAN', 'CLS'] as const;
export type Pooling = (typeof POOLINGS)[number];

export interface ModelSpec {
  family: ModelFamily;
  /** Embedding width. */
  dimension: number;
  /** Transformer layers; 0 for the bag-of-subwords family. */
  layers: number;
  heads: number;
  /** Tokens kept per text. */
  maxLength: number;
  /** Hashed vocabulary size of models trained from scratch. */
  vocabularySize: number;
  pooling: Pooling;
}

export interface HyperParameters {
  steps: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  warmupSteps: number;
  /** Cosine similarities are multiplied by this before the softmax (1 / temperature). */
  scale: number;
  /** Metrics are recorded and progress published every this many steps. */
  logEvery: number;
}

export interface TrainingSpec {
  strategy: BatchStrategy;
  /** Probability of a monolingual batch under HYBRID; 1 for MONO, 0 for CROSS. */
  alpha: number;
  trainDatasets: string[];
  languages: string[];
  seed: number;
  model: ModelSpec;
  hyperParameters: HyperParameters;
}

export const DEFAULT_MODEL: ModelSpec = {
  family: 'BAG_OF_SUBWORDS',
  dimension: 64,
  layers: 0,
  heads: 4,
  maxLength: 48,
  vocabularySize: 8192,
  pooling: 'MEAN',
};

export const DEFAULT_HYPER_PARAMETERS: HyperParameters = {
  steps: 100,
  batchSize: 32,
  learningRate: 1e-3,
  weightDecay: 0.01,
  warmupSteps: 10,
  scale: 20,
  logEvery: 5,
};

export const DEFAULT_TRAINING = {
  strategy: 'HYBRID' as BatchStrategy,
  alpha: 0.5,
  trainDatasets: ['mlqa-r'],
  languages: ['en', 'de', 'es'],
  seed: 42,
};

/** Alpha is implied by MONO and CROSS; only HYBRID takes it from the user. */
export function effectiveAlpha(strategy: BatchStrategy, alpha: number): number {
  switch (strategy) {
    case 'MONO':
      return 1;
    case 'CROSS':
      return 0;
    case 'HYBRID':
      return alpha;
  }
}
