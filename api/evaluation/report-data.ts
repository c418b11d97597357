// Reads the Json columns the worker writes (EvaluationReport.headlines/alignment, Job.payload)
// back into typed values. Defensive: a malformed entry is left out rather than failing a query.

import { BASELINES, type AlignmentSummary, type Baseline, type EvaluationRequest, type EvaluationTarget, type IntervalValue } from '../../schema/evaluation.js';
import { EVALUATION_SUITES, type EvaluationSuite } from '../../schema/training.js';

export interface NamedInterval extends IntervalValue {
  name: string;
}

const SETTING_ORDER = ['mono', 'cross', 'multi'];
const METRIC_ORDER = ['map', 'recall1', 'recall10', 'ndcg10', 'mrr10', 'rankDistance'];

const asObject = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isString = (value: unknown): value is string => typeof value === 'string';

function readInterval(value: unknown): IntervalValue | null {
  const o = asObject(value);
  return o && isNumber(o.estimate) && isNumber(o.lo) && isNumber(o.hi) ? { estimate: o.estimate, lo: o.lo, hi: o.hi } : null;
}

/** Headline order: setting (mono, cross, multi), then metric as in the paper's tables; unknown names last. */
function rank(name: string): [number, number] {
  const [setting = '', metric = ''] = name.split('.');
  const s = SETTING_ORDER.indexOf(setting);
  const m = METRIC_ORDER.indexOf(metric);
  return [s < 0 ? SETTING_ORDER.length : s, m < 0 ? METRIC_ORDER.length : m];
}

/** Sorts headline-named values as the paper's tables do; unknown names last, alphabetically. */
export function byHeadline<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    const [sa, ma] = rank(a.name);
    const [sb, mb] = rank(b.name);
    return sa - sb || ma - mb || a.name.localeCompare(b.name);
  });
}

export function readHeadlines(json: unknown): NamedInterval[] {
  return byHeadline(
    Object.entries(asObject(json) ?? {}).flatMap(([name, value]) => {
      const interval = readInterval(value);
      return interval ? [{ name, ...interval }] : [];
    }),
  );
}

const readMatrix = (value: unknown): number[][] | null =>
  Array.isArray(value) && value.every((row) => Array.isArray(row) && row.every(isNumber)) ? (value as number[][]) : null;

export function readAlignment(json: unknown): AlignmentSummary | null {
  const o = asObject(json);
  if (!o) return null;
  const pooledMap = readInterval(o.pooledMap);
  const translationAccuracy = readMatrix(o.translationAccuracy);
  const cka = readMatrix(o.cka);
  const languages = Array.isArray(o.languages) && o.languages.every(isString) ? (o.languages as string[]) : null;
  if (!languages || !pooledMap || !translationAccuracy || !cka) return null;
  if (!isNumber(o.meanTranslationAccuracy) || !isNumber(o.meanSimilarityIndex) || !isNumber(o.meanCka)) return null;
  return {
    languages, pooledMap, translationAccuracy, cka,
    meanTranslationAccuracy: o.meanTranslationAccuracy, meanSimilarityIndex: o.meanSimilarityIndex, meanCka: o.meanCka,
  };
}

/** Scalar summary of a report, for progress items: headline estimates, or the alignment means for XNLI. */
export function headlineEstimates(headlines: unknown, alignment: unknown): Array<{ name: string; value: number }> {
  const named = readHeadlines(headlines).map(({ name, estimate }) => ({ name, value: estimate }));
  if (named.length > 0) return named;
  const summary = readAlignment(alignment);
  if (!summary) return [];
  return [
    { name: 'meanTranslationAccuracy', value: summary.meanTranslationAccuracy },
    { name: 'meanSimilarityIndex', value: summary.meanSimilarityIndex },
    { name: 'meanCka', value: summary.meanCka },
    { name: 'pooledMap', value: summary.pooledMap.estimate },
  ];
}

const isSuite = (value: unknown): value is EvaluationSuite => (EVALUATION_SUITES as readonly unknown[]).includes(value);

function readTarget(value: unknown): EvaluationTarget | null {
  const o = asObject(value);
  switch (o?.kind) {
    case 'run':
      return isString(o.runId) ? { kind: 'run', runId: o.runId } : null;
    case 'checkpoint':
      return isString(o.checkpointId) ? { kind: 'checkpoint', checkpointId: o.checkpointId } : null;
    case 'baseline':
      return (BASELINES as readonly unknown[]).includes(o.baseline) ? { kind: 'baseline', baseline: o.baseline as Baseline } : null;
    default:
      return null;
  }
}

/** The EvaluationRequest of an EVALUATE job's payload; null for other payloads. */
export function readEvaluationRequest(json: unknown): EvaluationRequest | null {
  const o = asObject(json);
  const target = readTarget(o?.target);
  if (!o || !target || !Array.isArray(o.suites) || !o.suites.every(isSuite) || !isNumber(o.bootstrap) || !isNumber(o.seed)) return null;
  const datasets = Array.isArray(o.datasets) ? o.datasets.filter(isString) : [];
  return { target, suites: o.suites, ...(datasets.length > 0 ? { datasets } : {}), bootstrap: o.bootstrap, seed: o.seed };
}
