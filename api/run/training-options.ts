// The model and hyper-parameter parts of a TrainingRunInput: defaults from schema/training.ts, then
// ranges and the consistency between options. Pure, like training-input.ts which calls it.

import {
  DEFAULT_HYPER_PARAMETERS,
  DEFAULT_MODEL,
  MODEL_FAMILIES,
  POOLINGS,
  TOKENIZERS,
  type HyperParameters,
  type ModelFamily,
  type ModelSpec,
  type Pooling,
  type TokenizerName,
} from '../../schema/training.js';
import { badUserInput } from '../errors.js';
import type { ModelInputData, TrainingRunInputData } from './training-input.js';

export const LIMITS = {
  steps: [1, 1_000_000],
  batchSize: [2, 4096],
  seed: [0, 2 ** 31 - 1],
  dimension: [8, 4096],
  layers: [1, 48],
  heads: [1, 64],
  maxLength: [4, 512],
  vocabularySize: [16, 262_144],
  ffnDimension: [1, 8192],
  every: [1, 1_000_000],
  patience: [0, 1_000_000],
  gradientClipNorm: [0, 1e6],
} as const;

/** What a run needs of a registered model (a RegisteredModel row). */
export interface BaseModel {
  name: string;
  path: string;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  vocabSize: number;
  maxTokens: number;
  hasPooler: boolean;
}

/** Tokens per text of a PRETRAINED run when not given: enough for a question or a sentence. */
const PRETRAINED_MAX_LENGTH = 128;

export function resolveModel(path: string, input: ModelInputData, base?: BaseModel, baseField = 'input.baseModel'): ModelSpec {
  const at = (field: string) => `${path}.${field}`;
  const family: ModelFamily = oneOf(at('family'), input.family ?? (base ? 'PRETRAINED' : DEFAULT_MODEL.family), MODEL_FAMILIES);
  const pooling: Pooling = oneOf(at('pooling'), input.pooling ?? DEFAULT_MODEL.pooling, POOLINGS);
  if (family === 'PRETRAINED' || base) {
    if (!base) throw badUserInput(baseField, null, 'is required for family PRETRAINED: name a registered model');
    if (family !== 'PRETRAINED') throw badUserInput(at('family'), family, `contradicts ${baseField} (a registered model is PRETRAINED)`);
    return resolvePretrained(at, input, pooling, base);
  }
  if (pooling === 'POOLER') throw badUserInput(at('pooling'), pooling, 'needs a PRETRAINED model with a pooler (set input.baseModel)');
  const dimension = integerIn(at('dimension'), input.dimension ?? DEFAULT_MODEL.dimension, LIMITS.dimension);
  const maxLength = integerIn(at('maxLength'), input.maxLength ?? DEFAULT_MODEL.maxLength, LIMITS.maxLength);
  const vocabularySize = integerIn(at('vocabularySize'), input.vocabularySize ?? DEFAULT_MODEL.vocabularySize, LIMITS.vocabularySize);
  const heads = integerIn(at('heads'), input.heads ?? DEFAULT_MODEL.heads, LIMITS.heads);
  const tokenizer: TokenizerName = oneOf(at('tokenizer'), input.tokenizer ?? DEFAULT_MODEL.tokenizer, TOKENIZERS);
  if (tokenizer === 'PRETRAINED') throw badUserInput(at('tokenizer'), tokenizer, 'belongs to PRETRAINED models (set input.baseModel)');
  const ffnDimension = integerIn(at('ffnDimension'), input.ffnDimension ?? DEFAULT_MODEL.ffnDimension, LIMITS.ffnDimension);
  switch (family) {
    case 'BAG_OF_SUBWORDS': {
      const layers = input.layers ?? 0;
      if (layers !== 0) throw badUserInput(at('layers'), layers, 'must be 0 for BAG_OF_SUBWORDS, which has no layers');
      if (pooling !== 'MEAN') throw badUserInput(at('pooling'), pooling, 'is not possible for BAG_OF_SUBWORDS, which has no CLS token; use MEAN');
      return { family, dimension, layers, heads, maxLength, vocabularySize, pooling, tokenizer, ffnDimension };
    }
    case 'TRANSFORMER': {
      if (input.layers === null || input.layers === undefined) {
        throw badUserInput(at('layers'), null, `is required for TRANSFORMER (an integer in [${LIMITS.layers.join(', ')}])`);
      }
      const layers = integerIn(at('layers'), input.layers, LIMITS.layers);
      if (dimension % heads !== 0) throw badUserInput(at('heads'), heads, `does not divide dimension ${dimension}`);
      return { family, dimension, layers, heads, maxLength, vocabularySize, pooling, tokenizer, ffnDimension };
    }
  }
}

/** The architecture is the registered model's; only pooling and maxLength are the run's. */
function resolvePretrained(at: (field: string) => string, input: ModelInputData, pooling: Pooling, base: BaseModel): ModelSpec {
  for (const field of ['dimension', 'layers', 'heads', 'vocabularySize', 'ffnDimension', 'tokenizer'] as const) {
    if (input[field] != null) throw badUserInput(at(field), input[field], `is set by the registered model ${base.name}; leave it out`);
  }
  if (pooling === 'POOLER' && !base.hasPooler) throw badUserInput(at('pooling'), pooling, `needs a pooler, which ${base.name} lacks; use MEAN or CLS`);
  const maxLength = integerIn(at('maxLength'), input.maxLength ?? Math.min(PRETRAINED_MAX_LENGTH, base.maxTokens), [LIMITS.maxLength[0], base.maxTokens]);
  return {
    family: 'PRETRAINED',
    dimension: base.hiddenSize,
    layers: base.layers,
    heads: base.heads,
    maxLength,
    vocabularySize: base.vocabSize,
    pooling,
    tokenizer: 'PRETRAINED',
    ffnDimension: base.intermediateSize,
    pretrained: { name: base.name, path: base.path },
  };
}

export function resolveHyperParameters(at: (field: string) => string, input: TrainingRunInputData): HyperParameters {
  const d = DEFAULT_HYPER_PARAMETERS;
  const steps = integerIn(at('steps'), input.steps ?? d.steps, LIMITS.steps);
  const batchSize = integerIn(at('batchSize'), input.batchSize ?? d.batchSize, LIMITS.batchSize);
  const learningRate = input.learningRate ?? d.learningRate;
  if (!Number.isFinite(learningRate) || learningRate <= 0 || learningRate > 1) {
    throw badUserInput(at('learningRate'), learningRate, 'is not in (0, 1]');
  }
  const weightDecay = input.weightDecay ?? d.weightDecay;
  if (!Number.isFinite(weightDecay) || weightDecay < 0 || weightDecay > 1) {
    throw badUserInput(at('weightDecay'), weightDecay, 'is not in [0, 1]');
  }
  const warmupSteps = integerIn(at('warmupSteps'), input.warmupSteps ?? Math.min(d.warmupSteps, steps - 1), [0, steps - 1]);
  const scale = input.scale ?? d.scale;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1000) throw badUserInput(at('scale'), scale, 'is not in (0, 1000]');
  const logEvery = integerIn(at('logEvery'), input.logEvery ?? Math.min(d.logEvery, steps), [1, steps]);
  const symmetricLoss = input.symmetricLoss ?? d.symmetricLoss;
  const gradientClipNorm = input.gradientClipNorm ?? d.gradientClipNorm;
  if (!Number.isFinite(gradientClipNorm) || gradientClipNorm < 0 || gradientClipNorm > LIMITS.gradientClipNorm[1]) {
    throw badUserInput(at('gradientClipNorm'), gradientClipNorm, `is not in [0, ${LIMITS.gradientClipNorm[1]}] (0 turns clipping off)`);
  }
  const validationFraction = input.validationFraction ?? d.validationFraction;
  if (!Number.isFinite(validationFraction) || validationFraction < 0 || validationFraction >= 0.5) {
    throw badUserInput(at('validationFraction'), validationFraction, 'is not in [0, 0.5)');
  }
  const validateEvery = integerIn(at('validateEvery'), input.validateEvery ?? d.validateEvery, LIMITS.every);
  const checkpointEvery = integerIn(at('checkpointEvery'), input.checkpointEvery ?? d.checkpointEvery, LIMITS.every);
  const earlyStoppingPatience = integerIn(at('earlyStoppingPatience'), input.earlyStoppingPatience ?? d.earlyStoppingPatience, LIMITS.patience);
  if (earlyStoppingPatience > 0 && validationFraction === 0) {
    throw badUserInput(at('earlyStoppingPatience'), earlyStoppingPatience, 'needs a validation set; set validationFraction above 0');
  }
  return {
    steps, batchSize, learningRate, weightDecay, warmupSteps, scale, logEvery,
    symmetricLoss, gradientClipNorm, validationFraction, validateEvery, earlyStoppingPatience, checkpointEvery,
  };
}

export function integerIn(field: string, value: number, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(value)) throw badUserInput(field, value, 'is not an integer');
  if (value < min || value > max) throw badUserInput(field, value, `is not in [${min}, ${max}]`);
  return value;
}

export function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw badUserInput(field, value, `is not one of ${allowed.join(', ')}`);
  return value as T;
}
