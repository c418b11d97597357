// Turns a TrainingRunInput into a complete TrainingSpec with the shared schema
// (schema/training-validation.ts: defaults, ranges, consistency, the caller's caps), then checks
// what needs the dataset scan. Pure: the scan and the registered models are passed in, and the
// experiment's existence is checked by the caller.

import { SUITE_DATASET, type EvaluationSuite } from '../../schema/training.js';
import {
  estimateParameters,
  inputField,
  issueValue,
  trainingInputSchema,
  type BaseModel,
  type ResolvedTrainingInput,
  type TrainingCaps,
  type TrainingRunInputData,
} from '../../schema/training-validation.js';
import { badUserInput } from '../errors.js';
import { RECIPE_NAMES, withRecipe, type RecipeName } from '../../schema/recipes.js';
import type { DatasetInfo } from '../dataset/catalog.js';

export type { BaseModel, ModelInputData, TrainingRunInputData } from '../../schema/training-validation.js';

/** `models`: the registered models (only the one named by input.baseModel is used). */
export function resolveTrainingInput(
  input: TrainingRunInputData,
  datasets: readonly DatasetInfo[],
  models: readonly BaseModel[],
  caps: TrainingCaps,
  path = 'input',
): ResolvedTrainingInput {
  const at = (field: string) => `${path}.${field}`;
  if (input.recipe != null) {
    if (input.baseModel != null) throw badUserInput(at('recipe'), input.recipe, 'trains from scratch; it cannot start from a baseModel');
    if (!(RECIPE_NAMES as readonly string[]).includes(input.recipe)) throw badUserInput(at('recipe'), input.recipe, `is not a recipe (${RECIPE_NAMES.join(', ')})`);
    const given = input.trainDatasets;
    input = withRecipe(input.recipe as RecipeName, input);
    // On the demo bundle (no MLQA-R: it is non-commercial) the recipe trains on the sources the
    // sample has; the run records what it trained on. Elsewhere a missing source is an error (pull
    // it), so a run never silently trains on less than the recipe says; named sources are kept.
    if (given == null && input.trainDatasets) {
      const present = datasets.filter((d) => input.trainDatasets!.includes(d.name) && d.available);
      if (present.some((d) => d.sample)) input = { ...input, trainDatasets: present.map((d) => d.name) };
    }
  }
  let base: BaseModel | undefined;
  if (input.baseModel != null) {
    base = models.find((m) => m.name === input.baseModel);
    if (!base) throw badUserInput(at('baseModel'), input.baseModel, `is not a registered model (registered: ${models.map((m) => m.name).join(', ') || 'none'})`);
  }
  const parsed = trainingInputSchema({ ...(base ? { base } : {}), caps }).safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw badUserInput(inputField(issue!, path), issueValue(issue!), issue!.message);
  }
  const { spec } = parsed.data;
  const chosen = checkDatasets(at('trainDatasets'), spec.trainDatasets, datasets);
  checkSuites(at('evaluationSuites'), spec.evaluationSuites, datasets);
  checkImportedSuites(at('evaluationDatasets'), spec.evaluationDatasets ?? [], datasets);
  refuseLeakage(at('trainDatasets'), chosen, spec.evaluationSuites);
  checkLanguages(at('languages'), spec.languages, chosen);
  return { ...parsed.data, parameters: estimateParameters(spec.model, base) };
}

function checkDatasets(field: string, names: readonly string[], datasets: readonly DatasetInfo[]): DatasetInfo[] {
  return names.map((name, i) => {
    const item = `${field}[${i}]`;
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
function checkSuites(field: string, suites: readonly EvaluationSuite[], datasets: readonly DatasetInfo[]): void {
  suites.forEach((suite, i) => {
    const name = SUITE_DATASET[suite];
    if (!datasets.some((d) => d.name === name && d.available)) {
      throw badUserInput(`${field}[${i}]`, suite, `needs dataset ${name}, which has no files in the data folder (the worker checks it for leaked groups)`);
    }
  });
}

/** The worker reads each imported suite to find leaked groups: it must be an evaluation import whose files are there. */
function checkImportedSuites(field: string, names: readonly string[], datasets: readonly DatasetInfo[]): void {
  names.forEach((name, i) => {
    const info = datasets.find((d) => d.name === name && d.imported);
    if (!info || !info.evaluation) {
      const suites = datasets.filter((d) => d.imported && d.evaluation).map((d) => d.name);
      throw badUserInput(`${field}[${i}]`, name, `is not an imported evaluation suite (imported: ${suites.join(', ') || 'none'})`);
    }
    if (!info.available) throw badUserInput(`${field}[${i}]`, name, 'has a file that no longer exists where it was imported from');
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

/**
 * One dataset must hold every run language. Several datasets (as the CPU recipe mixes MLQA-R, 7
 * languages, with NTREX-128, 11) may each hold some: every language must be held by one of them,
 * and every dataset must hold one of the languages; the worker then trains each dataset on the
 * run languages it holds (gpu-worker/jobs/train-data.ts).
 */
function checkLanguages(field: string, languages: readonly string[], chosen: readonly DatasetInfo[]): void {
  languages.forEach((language, i) => {
    const missing = chosen.length === 1 ? chosen.find((d) => !d.languages.includes(language)) : chosen.every((d) => !d.languages.includes(language)) ? chosen[0] : undefined;
    if (missing) {
      const where = chosen.length === 1 ? `dataset ${missing.name} (has ${missing.languages.join(', ')})` : `any of datasets ${chosen.map((d) => `${d.name} (has ${d.languages.join(', ')})`).join(', ')}`;
      throw badUserInput(`${field}[${i}]`, language, `is not available in ${where}`);
    }
  });
  const idle = chosen.find((d) => !d.languages.some((l) => languages.includes(l)));
  if (idle) throw badUserInput(field, [...languages], `has none of the languages of dataset ${idle.name} (has ${idle.languages.join(', ')})`);
}
