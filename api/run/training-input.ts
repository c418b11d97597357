// Turns a TrainingRunInput into a complete TrainingSpec: defaults from schema/training.ts fill
// what is missing, and every value is checked before anything is written. Pure: the dataset scan
// is passed in, and the experiment's existence is checked by the caller.

import {
  BATCH_STRATEGIES,
  DEFAULT_HYPER_PARAMETERS,
  DEFAULT_MODEL,
  DEFAULT_TRAINING,
  MODEL_FAMILIES,
  POOLINGS,
  effectiveAlpha,
  type BatchStrategy,
  type HyperParameters,
  type ModelFamily,
  type ModelSpec,
  type Pooling,
  type TrainingSpec,
} from '../../schema/training.js';
import { badUserInput } from '../errors.js';
import type { DatasetInfo } from '../dataset/catalog.js';

type Maybe<T> = T | null | undefined;

export interface ModelInputData {
  family?: Maybe<string>;
  dimension?: Maybe<number>;
  layers?: Maybe<number>;
  heads?: Maybe<number>;
  maxLength?: Maybe<number>;
  vocabularySize?: Maybe<number>;
  pooling?: Maybe<string>;
}

export interface TrainingRunInputData {
  strategy?: Maybe<string>;
  alpha?: Maybe<number>;
  trainDatasets?: Maybe<readonly string[]>;
  languages?: Maybe<readonly string[]>;
  model?: Maybe<ModelInputData>;
  steps?: Maybe<number>;
  batchSize?: Maybe<number>;
  learningRate?: Maybe<number>;
  weightDecay?: Maybe<number>;
  warmupSteps?: Maybe<number>;
  scale?: Maybe<number>;
  logEvery?: Maybe<number>;
  seed?: Maybe<number>;
  experimentId?: Maybe<string>;
  idempotencyKey?: Maybe<string>;
}

export interface ResolvedTrainingRun {
  spec: TrainingSpec;
  experimentId: string | null;
  idempotencyKey: string | null;
}

export const LIMITS = {
  steps: [1, 1_000_000],
  batchSize: [2, 4096],
  seed: [0, 2 ** 31 - 1],
  dimension: [8, 4096],
  layers: [1, 48],
  heads: [1, 64],
  maxLength: [4, 2048],
  vocabularySize: [256, 1_000_000],
} as const;

const LANGUAGE_CODE = /^[a-z]{2}$/;
const MAX_KEY_LENGTH = 200;

export function resolveTrainingInput(
  input: TrainingRunInputData,
  datasets: readonly DatasetInfo[],
  path = 'input',
): ResolvedTrainingRun {
  const at = (field: string) => `${path}.${field}`;

  const strategy = oneOf(at('strategy'), input.strategy ?? DEFAULT_TRAINING.strategy, BATCH_STRATEGIES);
  const alpha = resolveAlpha(at('alpha'), strategy, input.alpha);
  const chosen = resolveDatasets(at('trainDatasets'), input.trainDatasets ?? DEFAULT_TRAINING.trainDatasets, datasets);
  const languages = resolveLanguages(at('languages'), input.languages ?? DEFAULT_TRAINING.languages, strategy, chosen);
  const model = resolveModel(at('model'), input.model ?? {});
  const hyperParameters = resolveHyperParameters(at, input);
  const seed = integerIn(at('seed'), input.seed ?? DEFAULT_TRAINING.seed, LIMITS.seed);

  const experimentId = input.experimentId ?? null;
  if (experimentId !== null && experimentId.trim() === '') throw badUserInput(at('experimentId'), experimentId, 'is empty');
  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && (idempotencyKey.trim() === '' || idempotencyKey.length > MAX_KEY_LENGTH)) {
    throw badUserInput(at('idempotencyKey'), idempotencyKey, `must be 1..${MAX_KEY_LENGTH} characters`);
  }

  return {
    spec: { strategy, alpha, trainDatasets: chosen.map((d) => d.name), languages, seed, model, hyperParameters },
    experimentId,
    idempotencyKey,
  };
}

function resolveAlpha(field: string, strategy: BatchStrategy, alpha: Maybe<number>): number {
  if (alpha === null || alpha === undefined) return effectiveAlpha(strategy, DEFAULT_TRAINING.alpha);
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 1) throw badUserInput(field, alpha, 'is not in [0, 1]');
  const implied = effectiveAlpha(strategy, alpha);
  if (implied !== alpha) throw badUserInput(field, alpha, `contradicts strategy ${strategy}, which implies alpha = ${implied}`);
  return alpha;
}

function resolveDatasets(field: string, names: readonly string[], datasets: readonly DatasetInfo[]): DatasetInfo[] {
  if (names.length === 0) throw badUserInput(field, names, 'is empty; name at least one dataset');
  return names.map((name, i) => {
    const item = `${field}[${i}]`;
    if (names.indexOf(name) !== i) throw badUserInput(item, name, 'is listed twice');
    const info = datasets.find((d) => d.name === name);
    if (!info) throw badUserInput(item, name, `is not a known dataset (known: ${datasets.map((d) => d.name).join(', ')})`);
    if (!info.available) throw badUserInput(item, name, 'has no files in the data folder');
    if (!info.trainable) {
      const trainable = datasets.filter((d) => d.trainable && d.available).map((d) => d.name);
      throw badUserInput(item, name, `is a ${info.kind} dataset, which training cannot read (trainable: ${trainable.join(', ') || 'none'})`);
    }
    return info;
  });
}

function resolveLanguages(
  field: string,
  languages: readonly string[],
  strategy: BatchStrategy,
  chosen: readonly DatasetInfo[],
): string[] {
  languages.forEach((language, i) => {
    const item = `${field}[${i}]`;
    if (!LANGUAGE_CODE.test(language)) throw badUserInput(item, language, 'is not a two-letter ISO 639-1 code');
    if (languages.indexOf(language) !== i) throw badUserInput(item, language, 'is listed twice');
    const missing = chosen.find((d) => !d.languages.includes(language));
    if (missing) {
      throw badUserInput(item, language, `is not available in dataset ${missing.name} (has ${missing.languages.join(', ')})`);
    }
  });
  const needed = strategy === 'MONO' ? 1 : 2;
  if (languages.length < needed) {
    const reason = strategy === 'MONO' ? '' : ` (${strategy} pairs queries and passages of different languages)`;
    throw badUserInput(field, languages, `has ${languages.length} language(s); ${strategy} needs at least ${needed}${reason}`);
  }
  return [...languages];
}

function resolveModel(path: string, input: ModelInputData): ModelSpec {
  const at = (field: string) => `${path}.${field}`;
  const family: ModelFamily = oneOf(at('family'), input.family ?? DEFAULT_MODEL.family, MODEL_FAMILIES);
  const pooling: Pooling = oneOf(at('pooling'), input.pooling ?? DEFAULT_MODEL.pooling, POOLINGS);
  const dimension = integerIn(at('dimension'), input.dimension ?? DEFAULT_MODEL.dimension, LIMITS.dimension);
  const maxLength = integerIn(at('maxLength'), input.maxLength ?? DEFAULT_MODEL.maxLength, LIMITS.maxLength);
  const vocabularySize = integerIn(at('vocabularySize'), input.vocabularySize ?? DEFAULT_MODEL.vocabularySize, LIMITS.vocabularySize);
  const heads = integerIn(at('heads'), input.heads ?? DEFAULT_MODEL.heads, LIMITS.heads);
  let layers: number;
  switch (family) {
    case 'BAG_OF_SUBWORDS':
      layers = input.layers ?? 0;
      if (layers !== 0) throw badUserInput(at('layers'), layers, 'must be 0 for BAG_OF_SUBWORDS, which has no layers');
      if (pooling !== 'MEAN') throw badUserInput(at('pooling'), pooling, 'is not possible for BAG_OF_SUBWORDS, which has no CLS token; use MEAN');
      break;
    case 'TRANSFORMER':
      if (input.layers === null || input.layers === undefined) {
        throw badUserInput(at('layers'), null, `is required for TRANSFORMER (an integer in [${LIMITS.layers.join(', ')}])`);
      }
      layers = integerIn(at('layers'), input.layers, LIMITS.layers);
      if (dimension % heads !== 0) throw badUserInput(at('heads'), heads, `does not divide dimension ${dimension}`);
      break;
  }
  return { family, dimension, layers, heads, maxLength, vocabularySize, pooling };
}

function resolveHyperParameters(at: (field: string) => string, input: TrainingRunInputData): HyperParameters {
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
  return { steps, batchSize, learningRate, weightDecay, warmupSteps, scale, logEvery };
}

function integerIn(field: string, value: number, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(value)) throw badUserInput(field, value, 'is not an integer');
  if (value < min || value > max) throw badUserInput(field, value, `is not in [${min}, ${max}]`);
  return value;
}

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw badUserInput(field, value, `is not one of ${allowed.join(', ')}`);
  return value as T;
}
