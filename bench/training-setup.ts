// The training benchmarks' models and run (train-throughput.ts, profile-step.ts): MLQA-R en/de/es,
// HYBRID alpha 0.5, batch 32, seed 1, no validation (it is not part of a training step's cost).

import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, type ModelSpec, type TrainingSpec } from '../schema/training.js';

export interface BenchModel {
  name: string;
  spec: ModelSpec;
  /** Measured steps, after the warm-up; fewer for slow models. */
  steps?: number;
}

export const BATCH_SIZE = 32;
export const LANGUAGES = ['en', 'de', 'es'];

// The product's defaults (XLM-R tokenizer pruned to 8,192 pieces, 48 tokens per text) at each size.
export const MODELS: readonly BenchModel[] = [
  { name: 'bos-64', spec: { ...DEFAULT_MODEL, family: 'BAG_OF_SUBWORDS', dimension: 64 } },
  { name: 'bos-256', spec: { ...DEFAULT_MODEL, family: 'BAG_OF_SUBWORDS', dimension: 256 } },
  {
    name: 'transformer-small',
    spec: { ...DEFAULT_MODEL, family: 'TRANSFORMER', dimension: 256, layers: 2, heads: 4, ffnDimension: 1024 },
    steps: 3,
  },
];

/** A run of `steps` steps of `model`, logging every step. */
export const benchSpec = (model: ModelSpec, steps: number): TrainingSpec => ({
  strategy: 'HYBRID',
  alpha: 0.5,
  trainDatasets: ['mlqa-r'],
  languages: LANGUAGES,
  seed: 1,
  evaluationSuites: [],
  model,
  hyperParameters: { ...DEFAULT_HYPER_PARAMETERS, steps, batchSize: BATCH_SIZE, logEvery: 1, validationFraction: 0, warmupSteps: 1 },
});
