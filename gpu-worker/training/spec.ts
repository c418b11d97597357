// Reads a run's stored specification (Run row: model and hyperParameters are Json columns) into
// a complete TrainingSpec. Missing fields take the shared defaults; invalid values are
// non-retryable failures, since no redelivery can fix them.

import { nonRetryable } from '../../schema/jobs.js';
import {
  BATCH_STRATEGIES,
  DEFAULT_HYPER_PARAMETERS,
  DEFAULT_MODEL,
  MODEL_FAMILIES,
  POOLINGS,
  effectiveAlpha,
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

export function parseTrainingSpec(run: StoredRun): TrainingSpec {
  const model = merge<ModelSpec>(DEFAULT_MODEL, run.model, 'model');
  const hp = merge<HyperParameters>(DEFAULT_HYPER_PARAMETERS, run.hyperParameters, 'hyperParameters');
  const strategy = run.strategy as TrainingSpec['strategy'];
  check(BATCH_STRATEGIES.includes(strategy), `strategy ${run.strategy}`);
  check(MODEL_FAMILIES.includes(model.family), `model family ${model.family}`);
  check(POOLINGS.includes(model.pooling), `pooling ${model.pooling}`);
  check(int(model.dimension, 1), `dimension ${model.dimension}`);
  check(int(model.vocabularySize, 2), `vocabularySize ${model.vocabularySize}`);
  check(int(model.maxLength, 1), `maxLength ${model.maxLength}`);
  check(int(hp.steps, 1), `steps ${hp.steps}`);
  // One pair alone has no in-batch negative, so its loss is zero.
  check(int(hp.batchSize, 2), `batchSize ${hp.batchSize} (at least 2)`);
  check(positive(hp.learningRate), `learningRate ${hp.learningRate}`);
  check(typeof hp.weightDecay === 'number' && hp.weightDecay >= 0, `weightDecay ${hp.weightDecay}`);
  check(int(hp.warmupSteps, 0), `warmupSteps ${hp.warmupSteps}`);
  check(positive(hp.scale), `scale ${hp.scale}`);
  check(int(hp.logEvery, 1), `logEvery ${hp.logEvery}`);
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
    model,
    hyperParameters: hp,
  };
}
