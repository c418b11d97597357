// Turns an EvaluateInput into the EvaluationRequest an EVALUATE job carries. Pure: the dataset
// scan is passed in; what needs the database (the target exists, leakage) is checked by the
// service with refuseLeakage below.

import { BASELINES, DEFAULT_EVALUATION, LEXICAL_BASELINES, type EvaluationRequest, type EvaluationTarget } from '../../schema/evaluation.js';
import { DEFAULT_EVALUATION_SUITES, EMBEDDING_SUITES, EVALUATION_SUITES, SUITE_DATASET, type EvaluationSuite } from '../../schema/training.js';
import type { DatasetInfo } from '../dataset/catalog.js';
import { badUserInput } from '../errors.js';
import { TRAINING_LIMITS } from '../../schema/training-validation.js';
import { checkRetrieval, type RetrievalInput } from '../retrieval/retrieval-input.js';

type Maybe<T> = T | null | undefined;

export interface EvaluateInputData extends RetrievalInput {
  runId?: Maybe<string>;
  checkpointId?: Maybe<string>;
  baseline?: Maybe<string>;
  suites?: Maybe<readonly string[]>;
  datasets?: Maybe<readonly string[]>;
  bootstrap?: Maybe<number>;
  seed?: Maybe<number>;
  queriesPerLanguage?: Maybe<number>;
  idempotencyKey?: Maybe<string>;
}

export interface ResolvedEvaluation {
  request: EvaluationRequest;
  idempotencyKey: string | null;
}

/** Fewer replicates make the 95% interval's tails noise; more only cost worker time. */
export const BOOTSTRAP_RANGE = [100, 10_000] as const;
const MAX_KEY_LENGTH = 200;
/** More than any suite has per language (XQuAD-R 1,190, MLQA-R up to 5,000, XNLI 2,490). */
const MAX_QUERIES_PER_LANGUAGE = 100_000;
const TARGET_FIELDS = ['runId', 'checkpointId', 'baseline'] as const;

export function resolveEvaluateInput(input: EvaluateInputData, datasets: readonly DatasetInfo[]): ResolvedEvaluation {
  const target = resolveTarget(input);
  // Lexical baselines score text pairs and have no embeddings to align or mine with.
  const lexical = target.kind === 'baseline' && LEXICAL_BASELINES.includes(target.baseline);
  const imported = input.datasets == null ? [] : resolveImported('input.datasets', input.datasets, datasets);
  // Naming imported suites alone evaluates only them; naming neither evaluates the default suites.
  const defaults = imported.length > 0 ? [] : DEFAULT_EVALUATION_SUITES.filter((s) => !lexical || !EMBEDDING_SUITES.includes(s));
  const suites = resolveSuites('input.suites', input.suites ?? defaults, datasets, imported.length > 0);
  const needsEmbeddings = suites.find((s) => EMBEDDING_SUITES.includes(s));
  if (lexical && needsEmbeddings) {
    throw badUserInput('input.suites', suites, `includes ${needsEmbeddings}, which needs embeddings: the ${target.baseline} baseline has none`);
  }
  const bitext = imported.find((d) => d.kind === 'BITEXT');
  if (lexical && bitext) {
    throw badUserInput(`input.datasets[${imported.indexOf(bitext)}]`, bitext.name, `is a bitext set, which needs embeddings: the ${target.baseline} baseline has none`);
  }
  const retrieval = checkRetrieval(input, (field) => `input.${field}`);
  const queriesPerLanguage = input.queriesPerLanguage == null ? undefined : integerIn('input.queriesPerLanguage', input.queriesPerLanguage, [1, MAX_QUERIES_PER_LANGUAGE]);
  const bootstrap = integerIn('input.bootstrap', input.bootstrap ?? DEFAULT_EVALUATION.bootstrap, BOOTSTRAP_RANGE);
  const seed = integerIn('input.seed', input.seed ?? DEFAULT_EVALUATION.seed, TRAINING_LIMITS.seed);
  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && (idempotencyKey.trim() === '' || idempotencyKey.length > MAX_KEY_LENGTH)) {
    throw badUserInput('input.idempotencyKey', idempotencyKey, `must be 1..${MAX_KEY_LENGTH} characters`);
  }
  const names = imported.map((d) => d.name);
  return { request: { target, suites, ...(names.length > 0 ? { datasets: names } : {}), bootstrap, seed, retrieval, ...(queriesPerLanguage !== undefined ? { queriesPerLanguage } : {}) }, idempotencyKey };
}

function resolveTarget(input: EvaluateInputData): EvaluationTarget {
  const given = TARGET_FIELDS.filter((field) => input[field] != null);
  if (given.length !== 1) {
    const fields = (given.length === 0 ? TARGET_FIELDS : given).map((f) => `input.${f}`);
    const value = Object.fromEntries(given.map((f) => [f, input[f]]));
    const problem = given.length === 0 ? 'names no target' : `names ${given.length} targets`;
    throw badUserInput('input', value, `${problem}; give exactly one of input.runId, input.checkpointId, input.baseline`, { fields });
  }
  if (input.baseline != null) return { kind: 'baseline', baseline: oneOf('input.baseline', input.baseline, BASELINES) };
  const [field, id] = input.runId != null ? (['runId', input.runId] as const) : (['checkpointId', input.checkpointId!] as const);
  if (id.trim() === '') throw badUserInput(`input.${field}`, id, 'is empty');
  return field === 'runId' ? { kind: 'run', runId: id } : { kind: 'checkpoint', checkpointId: id };
}

/** The worker reads each suite's dataset, so it must be in the data folder. */
function resolveSuites(field: string, suites: readonly string[], datasets: readonly DatasetInfo[], withImported: boolean): EvaluationSuite[] {
  if (suites.length === 0 && !withImported) throw badUserInput(field, suites, `is empty; name at least one of ${EVALUATION_SUITES.join(', ')}, or imported suites in input.datasets`);
  return suites.map((suite, i) => {
    const item = `${field}[${i}]`;
    if (suites.indexOf(suite) !== i) throw badUserInput(item, suite, 'is listed twice');
    const known = oneOf(item, suite, EVALUATION_SUITES);
    const name = SUITE_DATASET[known];
    if (!datasets.some((d) => d.name === name && d.available)) throw badUserInput(item, suite, `needs dataset ${name}, which has no files in the data folder`);
    return known;
  });
}

/** Imported evaluation suites (importDataset with retrieval or bitext): recorded, and their files still there. */
function resolveImported(field: string, names: readonly string[], datasets: readonly DatasetInfo[]): DatasetInfo[] {
  if (names.length > MAX_IMPORTED_SUITES) throw badUserInput(field, names.length, `names more than ${MAX_IMPORTED_SUITES} datasets`);
  return names.map((name, i) => {
    const item = `${field}[${i}]`;
    if (names.indexOf(name) !== i) throw badUserInput(item, name, 'is listed twice');
    const info = datasets.find((d) => d.name === name && d.imported);
    const suites = datasets.filter((d) => d.imported && d.evaluation).map((d) => d.name);
    if (!info) throw badUserInput(item, name, `is not an imported dataset (imported evaluation suites: ${suites.join(', ') || 'none'})`);
    if (!info.evaluation) throw badUserInput(item, name, `is a ${info.kind} training dataset; import evaluation data with importDataset(input: { retrieval | bitext })`);
    if (!info.available) throw badUserInput(item, name, 'has a file that no longer exists where it was imported from');
    return info;
  });
}

/** One job evaluates at most this many imported suites: a request's cost stays bounded. */
export const MAX_IMPORTED_SUITES = 20;

/**
 * The zero-shot protocol: a model is never evaluated on the dataset it was trained on. `what`
 * names the model for the message (run or checkpoint).
 */
export function refuseLeakage(what: string, trainDatasets: readonly string[], suites: readonly EvaluationSuite[], imported: readonly string[] = []): void {
  const trained = imported.find((name) => trainDatasets.includes(name));
  if (trained !== undefined) throw badUserInput('input.datasets', imported, `includes ${JSON.stringify(trained)}: ${what} was trained on it`);
  const leaked = suites.find((suite) => trainDatasets.includes(SUITE_DATASET[suite]));
  if (leaked === undefined) return;
  const dataset = JSON.stringify(SUITE_DATASET[leaked]);
  throw badUserInput('input.suites', suites, `includes ${leaked}: ${what} was trained on ${dataset}, so evaluating it on ${leaked} leaks the evaluation set`);
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
