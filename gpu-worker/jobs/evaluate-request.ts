// Reads an EVALUATE job's payload (the EvaluationRequest the gateway stored) strictly: a payload
// that does not parse will not parse on any redelivery either, so it fails the job at once.

import { BASELINES, type Baseline, type EvaluationRequest, type EvaluationTarget } from '../../schema/evaluation.js';
import { nonRetryable } from '../../schema/jobs.js';
import { EVALUATION_SUITES, type EvaluationSuite } from '../../schema/training.js';
import { RETRIEVAL_MODES, type Fusion, type RetrievalSettings } from '../../schema/serving.js';

const asObject = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function invalid(what: string): never {
  throw nonRetryable(`invalid evaluation request: ${what}`);
}

function parseTarget(value: unknown): EvaluationTarget {
  const o = asObject(value);
  switch (o?.kind) {
    case 'run':
      return nonEmptyString(o.runId) ? { kind: 'run', runId: o.runId } : invalid(`target.runId ${JSON.stringify(o.runId)}`);
    case 'checkpoint':
      return nonEmptyString(o.checkpointId) ? { kind: 'checkpoint', checkpointId: o.checkpointId } : invalid(`target.checkpointId ${JSON.stringify(o.checkpointId)}`);
    case 'baseline':
      return (BASELINES as readonly unknown[]).includes(o.baseline)
        ? { kind: 'baseline', baseline: o.baseline as Baseline }
        : invalid(`target.baseline ${JSON.stringify(o.baseline)} (known: ${BASELINES.join(', ')})`);
    default:
      return invalid(`target ${JSON.stringify(value)} (kind run, checkpoint or baseline)`);
  }
}

function parseSuites(value: unknown): EvaluationSuite[] {
  if (!Array.isArray(value)) invalid(`suites ${JSON.stringify(value)} (a list)`);
  for (const suite of value) {
    if (!(EVALUATION_SUITES as readonly unknown[]).includes(suite)) invalid(`suite ${JSON.stringify(suite)} (known: ${EVALUATION_SUITES.join(', ')})`);
  }
  return [...new Set(value as EvaluationSuite[])];
}

function parseDatasets(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every(nonEmptyString)) invalid(`datasets ${JSON.stringify(value)} (a list of names)`);
  return [...new Set(value as string[])];
}

function parseFusion(value: unknown): Fusion {
  const o = asObject(value);
  if (o?.kind === 'RRF' && Number.isInteger(o.k) && (o.k as number) >= 1) return { kind: 'RRF', k: o.k as number };
  if (o?.kind === 'WEIGHTED' && typeof o.denseWeight === 'number' && o.denseWeight >= 0 && o.denseWeight <= 1) return { kind: 'WEIGHTED', denseWeight: o.denseWeight };
  return invalid(`retrieval.fusion ${JSON.stringify(value)}`);
}

function parseRetrieval(value: unknown): RetrievalSettings {
  const o = asObject(value);
  if (!o || !(RETRIEVAL_MODES as readonly unknown[]).includes(o.mode)) invalid(`retrieval ${JSON.stringify(value)} (mode ${RETRIEVAL_MODES.join(' | ')})`);
  if (typeof o.dictionary !== 'boolean') invalid(`retrieval.dictionary ${JSON.stringify(o.dictionary)}`);
  return { mode: o.mode as RetrievalSettings['mode'], fusion: parseFusion(o.fusion), dictionary: o.dictionary };
}

export function parseEvaluationRequest(payload: unknown): EvaluationRequest {
  const o = asObject(payload);
  if (!o) invalid(`payload ${JSON.stringify(payload)} is not an object`);
  const { bootstrap, seed } = o;
  if (!Number.isInteger(bootstrap) || (bootstrap as number) < 1) invalid(`bootstrap ${JSON.stringify(bootstrap)} (a positive integer)`);
  if (!Number.isInteger(seed)) invalid(`seed ${JSON.stringify(seed)} (an integer)`);
  const { queriesPerLanguage } = o;
  if (queriesPerLanguage !== undefined && queriesPerLanguage !== null && (!Number.isInteger(queriesPerLanguage) || (queriesPerLanguage as number) < 1)) {
    invalid(`queriesPerLanguage ${JSON.stringify(queriesPerLanguage)} (a positive integer)`);
  }
  const suites = parseSuites(o.suites);
  const datasets = o.datasets === undefined || o.datasets === null ? [] : parseDatasets(o.datasets);
  if (suites.length + datasets.length === 0) invalid('no suite and no dataset to evaluate');
  return {
    target: parseTarget(o.target),
    suites,
    ...(datasets.length > 0 ? { datasets } : {}),
    bootstrap: bootstrap as number,
    seed: seed as number,
    ...(typeof queriesPerLanguage === 'number' ? { queriesPerLanguage } : {}),
    ...(o.retrieval !== undefined && o.retrieval !== null ? { retrieval: parseRetrieval(o.retrieval) } : {}),
  };
}
