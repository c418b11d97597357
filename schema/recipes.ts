// Named training recipes: complete run settings (a TrainingSpec without its evaluationSuites, which
// the caller names) that were chosen by measurement. bench/cpu-recipe.ts trains one end to end.

import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, type TrainingSpec } from './training.js';
import type { TrainingRunInputData } from './training-validation.js';

/** The XQuAD-R languages. */
export const XQUAD_R_LANGUAGES = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'] as const;

export type RecipeSettings = Omit<TrainingSpec, 'evaluationSuites'>;
export type RecipeName = 'CPU_DEFAULT';

export const RECIPES: Readonly<Record<RecipeName, RecipeSettings>> = {
  /**
   * Best dense cross-lingual retrieval found for <= 15 minutes of training on the 2-core machine
   * (native-cpu backend): about 5 minutes (300 s for 4,000 steps, vocabulary set-up included).
   * Chosen on held-out validation, never on XQuAD-R or MLQA-R: translation retrieval over the 297
   * NTREX-128 lines excluded from training (11 languages, 110 ordered pairs; 0.745 mAP) and over
   * 500 PAWS-X sentences never trained on (de en es zh; 0.644). Fourteen configurations were tried
   * (bench/results.md, "CPU recipe"): dropping MUSE word pairs (which, sampled in proportion to
   * size, fill 98% of the batches) raised the NTREX score from 0.10 to 0.63; dimension 256 over
   * 64/128, alpha 0.25 over 0.5, the symmetric loss, learning rate 1e-2 (over 3e-3 and 3e-2), scale
   * 20 (over 40) and 4,000 steps (over 1,500) each helped a little; PAWS-X and the 5,000 most
   * frequent MUSE words as extra sources lowered both validation scores. XQuAD-R DENSE for
   * information (zero-shot, evaluationSuites XQUAD_R): mono 0.469, cross 0.082, multi 0.076 mAP.
   * Command: npm run build && node dist/bench/cpu-recipe.js --mlqa
   * Train with evaluationSuites: ['XQUAD_R'] (MLQA-R is a training source here; for an MLQA-R
   * evaluation drop it from trainDatasets and name MLQA_R instead).
   */
  CPU_DEFAULT: {
    strategy: 'HYBRID',
    alpha: 0.25,
    trainDatasets: ['mlqa-r', 'ntrex128'],
    languages: [...XQUAD_R_LANGUAGES],
    seed: 42,
    model: { ...DEFAULT_MODEL, family: 'BAG_OF_SUBWORDS', tokenizer: 'XLM_R', dimension: 256, vocabularySize: 32768, maxLength: 48 },
    hyperParameters: {
      ...DEFAULT_HYPER_PARAMETERS,
      steps: 4000,
      batchSize: 128,
      learningRate: 1e-2,
      warmupSteps: 50,
      scale: 20,
      symmetricLoss: true,
      validationFraction: 0.02,
      validateEvery: 500,
      checkpointEvery: 1000,
      logEvery: 50,
    },
  },
};

export const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];

/**
 * A recipe as training input: what the caller gives wins, field by field (model fields too), and
 * the recipe fills the rest. The caller still names the evaluation suites (zero-shot protocol).
 */
export function withRecipe<T extends TrainingRunInputData>(name: RecipeName, input: T): T {
  const { model, hyperParameters: hp, ...run } = RECIPES[name];
  const given = <V>(value: V | null | undefined, fallback: V) => (value === null || value === undefined ? fallback : value);
  const m = input.model ?? {};
  return {
    ...input,
    strategy: given(input.strategy, run.strategy),
    alpha: given(input.alpha, run.alpha),
    trainDatasets: given(input.trainDatasets, run.trainDatasets),
    languages: given(input.languages, run.languages),
    seed: given(input.seed, run.seed),
    model: {
      family: given(m.family, model.family),
      dimension: given(m.dimension, model.dimension),
      layers: given(m.layers, model.layers),
      heads: given(m.heads, model.heads),
      maxLength: given(m.maxLength, model.maxLength),
      vocabularySize: given(m.vocabularySize, model.vocabularySize),
      pooling: given(m.pooling, model.pooling),
      tokenizer: given(m.tokenizer, model.tokenizer),
      ffnDimension: given(m.ffnDimension, model.ffnDimension),
    },
    steps: given(input.steps, hp.steps),
    batchSize: given(input.batchSize, hp.batchSize),
    learningRate: given(input.learningRate, hp.learningRate),
    weightDecay: given(input.weightDecay, hp.weightDecay),
    warmupSteps: given(input.warmupSteps, hp.warmupSteps),
    scale: given(input.scale, hp.scale),
    logEvery: given(input.logEvery, hp.logEvery),
    symmetricLoss: given(input.symmetricLoss, hp.symmetricLoss),
    gradientClipNorm: given(input.gradientClipNorm, hp.gradientClipNorm),
    validationFraction: given(input.validationFraction, hp.validationFraction),
    validateEvery: given(input.validateEvery, hp.validateEvery),
    earlyStoppingPatience: given(input.earlyStoppingPatience, hp.earlyStoppingPatience),
    checkpointEvery: given(input.checkpointEvery, hp.checkpointEvery),
    keepCheckpoints: given(input.keepCheckpoints, hp.keepCheckpoints),
  };
}
