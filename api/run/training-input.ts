// Turns a TrainingRunInput into a complete TrainingSpec: defaults from schema/training.ts fill
// what is missing, and every value is checked before anything is written. Pure: the dataset scan
// is passed in, and the experiment's existence is checked by the caller.

import {
  BATCH_STRATEGIES,
  DEFAULT_TRAINING,
  EVALUATION_SUITES,
  SUITE_DATASET,
  effectiveAlpha,
  type BatchStrategy,
  type EvaluationSuite,
  type TrainingSpec,
} from '../../schema/training.js';
import { badUserInput } from '../errors.js';
import { LIMITS, integerIn, oneOf, resolveHyperParameters, resolveModel, type BaseModel } from './training-options.js';
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
  tokenizer?: Maybe<string>;
  ffnDimension?: Maybe<number>;
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
  symmetricLoss?: Maybe<boolean>;
  gradientClipNorm?: Maybe<number>;
  validationFraction?: Maybe<number>;
  validateEvery?: Maybe<number>;
  earlyStoppingPatience?: Maybe<number>;
  checkpointEvery?: Maybe<number>;
  evaluationSuites?: Maybe<readonly string[]>;
  seed?: Maybe<number>;
  experimentId?: Maybe<string>;
  idempotencyKey?: Maybe<string>;
  baseModel?: Maybe<string>;
}

export interface ResolvedTrainingRun {
  spec: TrainingSpec;
  experimentId: string | null;
  idempotencyKey: string | null;
}

const LANGUAGE_CODE = /^[a-z]{2}$/;
const MAX_KEY_LENGTH = 200;

/** `models`: the registered models (only the one named by input.baseModel is used). */
export function resolveTrainingInput(
  input: TrainingRunInputData,
  datasets: readonly DatasetInfo[],
  models: readonly BaseModel[] = [],
  path = 'input',
): ResolvedTrainingRun {
  const at = (field: string) => `${path}.${field}`;

  const strategy = oneOf(at('strategy'), input.strategy ?? DEFAULT_TRAINING.strategy, BATCH_STRATEGIES);
  const alpha = resolveAlpha(at('alpha'), strategy, input.alpha);
  const chosen = resolveDatasets(at('trainDatasets'), input.trainDatasets ?? DEFAULT_TRAINING.trainDatasets, datasets);
  const evaluationSuites = resolveSuites(at('evaluationSuites'), input.evaluationSuites ?? DEFAULT_TRAINING.evaluationSuites, datasets);
  refuseLeakage(at('trainDatasets'), chosen, evaluationSuites);
  const languages = resolveLanguages(at('languages'), input.languages ?? DEFAULT_TRAINING.languages, strategy, chosen);
  let base: BaseModel | undefined;
  if (input.baseModel != null) {
    base = models.find((m) => m.name === input.baseModel);
    if (!base) throw badUserInput(at('baseModel'), input.baseModel, `is not a registered model (registered: ${models.map((m) => m.name).join(', ') || 'none'})`);
  }
  const model = resolveModel(at('model'), input.model ?? {}, base, at('baseModel'));
  const hyperParameters = resolveHyperParameters(at, input);
  const seed = integerIn(at('seed'), input.seed ?? DEFAULT_TRAINING.seed, LIMITS.seed);

  const experimentId = input.experimentId ?? null;
  if (experimentId !== null && experimentId.trim() === '') throw badUserInput(at('experimentId'), experimentId, 'is empty');
  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && (idempotencyKey.trim() === '' || idempotencyKey.length > MAX_KEY_LENGTH)) {
    throw badUserInput(at('idempotencyKey'), idempotencyKey, `must be 1..${MAX_KEY_LENGTH} characters`);
  }

  return {
    spec: { strategy, alpha, trainDatasets: chosen.map((d) => d.name), languages, seed, evaluationSuites, model, hyperParameters },
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
    if (!info.available) {
      throw badUserInput(item, name, info.imported ? `is imported from ${info.imported.path}, which no longer exists` : 'has no files in the data folder');
    }
    if (!info.trainable) {
      const trainable = datasets.filter((d) => d.trainable && d.available).map((d) => d.name);
      throw badUserInput(item, name, `is a ${info.kind} dataset, which training cannot read (trainable: ${trainable.join(', ') || 'none'})`);
    }
    return info;
  });
}

/** The worker reads each suite's dataset to find leaked groups, so it must be in the data folder. */
function resolveSuites(field: string, suites: readonly string[], datasets: readonly DatasetInfo[]): EvaluationSuite[] {
  return suites.map((suite, i) => {
    const item = `${field}[${i}]`;
    if (suites.indexOf(suite) !== i) throw badUserInput(item, suite, 'is listed twice');
    const known = oneOf(item, suite, EVALUATION_SUITES);
    const name = SUITE_DATASET[known];
    if (!datasets.some((d) => d.name === name && d.available)) {
      throw badUserInput(item, suite, `needs dataset ${name}, which has no files in the data folder (the worker checks it for leaked groups)`);
    }
    return known;
  });
}

/**
 * The zero-shot protocol: a run never trains on the dataset it is evaluated on. The worker also
 * checks group overlap, which catches the same items inside an imported dataset.
 */
function refuseLeakage(field: string, chosen: readonly DatasetInfo[], suites: readonly EvaluationSuite[]): void {
  for (const suite of suites) {
    const leaked = chosen.find((d) => d.name === SUITE_DATASET[suite]);
    if (leaked) {
      const name = JSON.stringify(leaked.name);
      throw badUserInput(field, chosen.map((d) => d.name), `includes ${name}: training on ${name} while evaluating on ${suite} leaks the evaluation set`);
    }
  }
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

