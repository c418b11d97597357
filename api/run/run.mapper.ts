// Prisma rows to GraphQL objects. The Json columns were written by this gateway from a complete
// spec; the defaults only cover rows written by older versions with fewer fields.

import type { Run as RunRow } from '../../prisma/generated/client.js';
import {
  DEFAULT_HYPER_PARAMETERS,
  DEFAULT_MODEL,
  EVALUATION_SUITES,
  type EvaluationSuite,
  type HyperParameters,
  type ModelSpec,
} from '../../schema/training.js';
import type { Run } from './run.type.js';

const asObject = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

export function readModel(json: unknown): ModelSpec {
  return { ...DEFAULT_MODEL, ...(asObject(json) as Partial<ModelSpec>) };
}

function toModelConfig(model: ModelSpec): ModelSpec & { baseModel: string | null } {
  return { ...model, baseModel: model.pretrained?.name ?? null };
}

export function readHyperParameters(json: unknown): HyperParameters {
  return { ...DEFAULT_HYPER_PARAMETERS, ...(asObject(json) as Partial<HyperParameters>) };
}

const isSuite = (value: string): value is EvaluationSuite => (EVALUATION_SUITES as readonly string[]).includes(value);

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    experimentId: row.experimentId,
    strategy: row.strategy,
    alpha: row.alpha,
    trainDatasets: row.trainDatasets,
    languages: row.languages,
    seed: row.seed,
    evaluationSuites: row.evaluationSuites.filter(isSuite),
    evaluationDatasets: row.evaluationDatasets,
    model: toModelConfig(readModel(row.model)),
    hyperParameters: readHyperParameters(row.hyperParameters),
    status: row.status,
    backend: row.backend,
    trial: row.trial,
    stopReason: row.stopReason,
    error: row.error,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt,
  };
}
