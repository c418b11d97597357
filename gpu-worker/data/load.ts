// The one entry point from a dataset name to training groups: catalog datasets are read from the
// data folder by the reader of their kind; an imported dataset is a JSONL file in the import
// format (schema/dataset-jsonl.ts). Every requested language must have data: a run that asked for
// a language and silently trained without it would report on a mix it never saw.

import { DATASETS, findDataset } from '../../schema/datasets.js';
import { isIso6391 } from '../../schema/dataset-jsonl.js';
import { nonRetryable } from '../../schema/jobs.js';
import { createDataCache, type DataCache } from './files.js';
import { catalogReader, importedReader, unique, type Reader } from './readers.js';
import type { TrainingGroup, TrainingSource } from './types.js';

export interface LoadOptions {
  /** A JSONL file in the import format; the dataset is then this file, not a catalog entry. */
  importedPath?: string;
  cache?: DataCache;
  /**
   * Load only the requested languages the dataset has (at least one), instead of failing on a
   * missing one: a run mixing datasets of different coverage (MUSE has el, MLQA-R does not)
   * checks that every language is covered by some dataset (jobs/train-data.ts).
   */
  someLanguages?: boolean;
}

function checkLanguages(dataset: string, languages: readonly string[]): void {
  if (languages.length === 0) throw nonRetryable(`dataset ${dataset}: no languages requested`);
  const invalid = languages.filter((l) => !isIso6391(l));
  if (invalid.length > 0) throw nonRetryable(`dataset ${dataset}: not ISO 639-1 language codes: ${invalid.join(', ')}`);
  if (new Set(languages).size !== languages.length) throw nonRetryable(`dataset ${dataset}: duplicate languages in ${languages.join(', ')}`);
}

function languagesOf(groups: readonly TrainingGroup[]): Set<string> {
  const languages = new Set<string>();
  for (const group of groups) for (const language of group.items.keys()) languages.add(language);
  return languages;
}

const lacking = (dataset: string, missing: readonly string[], has: readonly string[]) =>
  nonRetryable(`dataset ${dataset} has no ${missing.join(', ')} data; it has ${has.length > 0 ? has.join(', ') : 'none'}`);

/** Groups of `datasetName` in `languages` (ISO 639-1), every one of which must have data. */
export async function loadTrainingGroups(dataDir: string, datasetName: string, languages: readonly string[], options: LoadOptions = {}): Promise<TrainingSource> {
  checkLanguages(datasetName, languages);
  const cache = options.cache ?? createDataCache();
  let reader: Reader;
  if (options.importedPath !== undefined) {
    reader = await importedReader(datasetName, options.importedPath, cache);
  } else {
    const dataset = findDataset(datasetName);
    if (!dataset) throw nonRetryable(`unknown dataset "${datasetName}"; known: ${DATASETS.map((d) => d.name).join(', ')}`);
    reader = await catalogReader(dataDir, dataset, cache);
  }
  if (options.someLanguages) {
    const held = languages.filter((l) => reader.languages.includes(l));
    if (held.length === 0) throw lacking(datasetName, languages, reader.languages);
    const groups = await reader.load(held);
    const present = languagesOf(groups);
    const kept = held.filter((l) => present.has(l));
    if (kept.length === 0) throw lacking(datasetName, languages, reader.languages);
    return { name: datasetName, languages: kept, groups };
  }
  const absent = languages.filter((l) => !reader.languages.includes(l));
  if (absent.length > 0) throw lacking(datasetName, absent, reader.languages);
  const groups = await reader.load(languages);
  const present = languagesOf(groups);
  const empty = languages.filter((l) => !present.has(l));
  if (empty.length > 0) {
    // Files exist but yield nothing (TyDi QA dev files carry no answers): name what does.
    throw lacking(datasetName, empty, unique(languagesOf(await reader.load(reader.languages))));
  }
  return { name: datasetName, languages: [...languages], groups };
}
