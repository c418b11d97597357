// Reads a run's stored specification (Run row: model and hyperParameters are Json columns) into
// a complete TrainingSpec. Missing fields take the shared defaults; invalid values are
// non-retryable failures, since no redelivery can fix them.

import { nonRetryable } from '../../schema/jobs.js';
import {
  BATCH_STRATEGIES,
  DEFAULT_HYPER_PARAMETERS,
  DEFAULT_MODEL,
  DEFAULT_TRAINING,
  EVALUATION_SUITES,
  MODEL_FAMILIES,
  POOLINGS,
  TOKENIZERS,
  effectiveAlpha,
  type EvaluationSuite,
  type HyperParameters,
  type ModelSpec,
  type TrainingSpec,
} from '../../schema/training.js';

export interface StoredRun {
  strategy: string;
  alpha: number;
  model: unknown;
  trainDatasets: string[];
  languages: string[];
  seed: number;
  hyperParameters: unknown;
  /** A newer column: rows read through an older generated client do not have it. */
  evaluationSuites?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function merge<T extends object>(defaults: T, stored: unknown, what: string): T {
  if (stored === null || stored === undefined) return { ...defaults };
  if (!isObject(stored)) throw nonRetryable(`run ${what} is not an object`);
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(stored)) if (key in defaults && value !== null && value !== undefined) out[key] = value;
  return out as T;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw nonRetryable(`invalid training spec: ${message}`);
}

const int = (value: unknown, min: number) => Number.isInteger(value) && (value as number) >= min;
const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;
const inRange = (value: unknown, min: number, maxExclusive: number) =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value < maxExclusive;
const oneOf = <T extends string>(allowed: readonly T[], value: unknown): value is T => (allowed as readonly unknown[]).includes(value);

function parseSuites(stored: unknown): EvaluationSuite[] {
  if (stored === null || stored === undefined) return [...DEFAULT_TRAINING.evaluationSuites];
  check(Array.isArray(stored), `evaluationSuites ${JSON.stringify(stored)} is not a list`);
  const suites = stored as unknown[];
  for (const suite of suites) check(oneOf(EVALUATION_SUITES, suite), `evaluation suite ${JSON.stringify(suite)} (known: ${EVALUATION_SUITES.join(', ')})`);
  return [...new Set(suites as EvaluationSuite[])];
}

function checkModel(model: ModelSpec): void {
  check(oneOf(MODEL_FAMILIES, model.family), `model family ${model.family}`);
  check(oneOf(POOLINGS, model.pooling), `pooling ${model.pooling}`);
  check(oneOf(TOKENIZERS, model.tokenizer), `tokenizer ${model.tokenizer}`);
  check(int(model.dimension, 1), `dimension ${model.dimension}`);
  check(int(model.vocabularySize, 2), `vocabularySize ${model.vocabularySize}`);
  check(int(model.maxLength, 1), `maxLength ${model.maxLength}`);
  check(int(model.layers, 0), `layers ${model.layers}`);
  check(int(model.heads, 1), `heads ${model.heads}`);
  check(int(model.ffnDimension, 1), `ffnDimension ${model.ffnDimension}`);
  switch (model.family) {
    case 'BAG_OF_SUBWORDS':
      check(model.layers === 0, `layers ${model.layers} (BAG_OF_SUBWORDS has none)`);
      check(model.pooling === 'MEAN', `pooling ${model.pooling} (BAG_OF_SUBWORDS has no CLS token)`);
      break;
    case 'TRANSFORMER':
      check(model.layers >= 1, `layers ${model.layers} (a TRANSFORMER needs at least one)`);
      check(model.dimension % model.heads === 0, `heads ${model.heads} do not divide dimension ${model.dimension}`);
      check(model.pooling !== 'POOLER', 'pooling POOLER (a TRANSFORMER has no pooler)');
      break;
    case 'PRETRAINED':
      check(typeof model.pretrained?.path === 'string' && model.pretrained.path !== '', 'PRETRAINED model without pretrained.path');
      check(model.tokenizer === 'PRETRAINED', `tokenizer ${model.tokenizer} (a PRETRAINED model uses its own)`);
      break;
  }
  if (model.family !== 'PRETRAINED') check(model.tokenizer !== 'PRETRAINED', `tokenizer PRETRAINED for family ${model.family}`);
}

function checkHyperParameters(hp: HyperParameters): void {
  check(int(hp.steps, 1), `steps ${hp.steps}`);
  // One pair alone has no in-batch negative, so its loss is zero.
  check(int(hp.batchSize, 2), `batchSize ${hp.batchSize} (at least 2)`);
  check(positive(hp.learningRate), `learningRate ${hp.learningRate}`);
  check(typeof hp.weightDecay === 'number' && hp.weightDecay >= 0, `weightDecay ${hp.weightDecay}`);
  check(int(hp.warmupSteps, 0), `warmupSteps ${hp.warmupSteps}`);
  check(positive(hp.scale), `scale ${hp.scale}`);
  check(int(hp.logEvery, 1), `logEvery ${hp.logEvery}`);
  check(typeof hp.symmetricLoss === 'boolean', `symmetricLoss ${JSON.stringify(hp.symmetricLoss)} (true or false)`);
  check(inRange(hp.gradientClipNorm, 0, Infinity), `gradientClipNorm ${hp.gradientClipNorm} (0 turns clipping off)`);
  // The gateway's bound: holding out half the groups or more leaves too little to train on.
  check(inRange(hp.validationFraction, 0, 0.5), `validationFraction ${hp.validationFraction} (in [0, 0.5))`);
  check(int(hp.validateEvery, 1), `validateEvery ${hp.validateEvery}`);
  check(int(hp.earlyStoppingPatience, 0), `earlyStoppingPatience ${hp.earlyStoppingPatience}`);
  check(hp.earlyStoppingPatience === 0 || hp.validationFraction > 0, 'early stopping needs a validation set (validationFraction > 0)');
  check(int(hp.checkpointEvery, 1), `checkpointEvery ${hp.checkpointEvery}`);
}

export function parseTrainingSpec(run: StoredRun): TrainingSpec {
  const model = merge<ModelSpec>(DEFAULT_MODEL, run.model, 'model');
  const pretrained = isObject(run.model) ? (run.model as { pretrained?: unknown }).pretrained : undefined;
  if (isObject(pretrained)) model.pretrained = { name: String(pretrained.name), path: String(pretrained.path) };
  const hp = merge<HyperParameters>(DEFAULT_HYPER_PARAMETERS, run.hyperParameters, 'hyperParameters');
  const strategy = run.strategy as TrainingSpec['strategy'];
  check(oneOf(BATCH_STRATEGIES, strategy), `strategy ${run.strategy}`);
  checkModel(model);
  checkHyperParameters(hp);
  check(run.trainDatasets.length > 0, 'no training datasets');
  check(run.languages.length > 0, 'no training languages');
  const alpha = effectiveAlpha(strategy, run.alpha);
  check(alpha >= 0 && alpha <= 1, `alpha ${run.alpha}`);
  return {
    strategy,
    alpha,
    trainDatasets: [...run.trainDatasets],
    languages: [...run.languages],
    seed: run.seed,
    evaluationSuites: parseSuites(run.evaluationSuites),
    model,
    hyperParameters: hp,
  };
}
