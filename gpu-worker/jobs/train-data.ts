// The data of a TRAIN job: every dataset of the run (catalog datasets from the data folder,
// imported ones from the file their ImportedDataset row names), and the zero-shot guard: a run
// refuses to train on any group that an evaluation suite it names contains.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../../prisma/generated/client.js';
import { findDataset } from '../../schema/datasets.js';
import { nonRetryable } from '../../schema/jobs.js';
import { SUITE_DATASET, type TrainingSpec } from '../../schema/training.js';
import { findOverlap, indexEvaluation, loadTrainingGroups, type DataCache, type TrainingSource } from '../data/index.js';
import { findImportedSuite, loadImportedSuite, suiteTexts, type LoadedSuite } from '../evaluation/imported-suite.js';

export interface TrainDataDeps {
  prisma: PrismaClient;
  dataDir: string;
  cache: DataCache;
}

interface ImportedRow {
  path: string;
}

/** Imported datasets live in a table that older generated clients lack; read it defensively. */
async function importedPath(prisma: PrismaClient, name: string): Promise<string> {
  const table = (prisma as unknown as { importedDataset?: { findUnique(args: unknown): Promise<ImportedRow | null> } }).importedDataset;
  const row = table ? await table.findUnique({ where: { name } }) : null;
  if (!row) throw nonRetryable(`unknown dataset "${name}": neither in the catalog nor imported`);
  return row.path;
}

/**
 * One source per dataset of the run. A single dataset must hold every run language; with several,
 * each contributes the run languages it holds, and every run language must be held by one of them.
 */
export async function loadTrainingSources(deps: Pick<TrainDataDeps, 'prisma' | 'dataDir' | 'cache'>, spec: Pick<TrainingSpec, 'trainDatasets' | 'languages'>): Promise<TrainingSource[]> {
  const sources: TrainingSource[] = [];
  const someLanguages = spec.trainDatasets.length > 1;
  for (const name of spec.trainDatasets) {
    const options = findDataset(name) ? { cache: deps.cache, someLanguages } : { cache: deps.cache, someLanguages, importedPath: await importedPath(deps.prisma, name) };
    sources.push(await loadTrainingGroups(deps.dataDir, name, spec.languages, options));
  }
  const covered = new Set(sources.flatMap((s) => s.languages));
  const missing = spec.languages.filter((l) => !covered.has(l));
  if (missing.length > 0) throw nonRetryable(`no dataset of ${spec.trainDatasets.join(', ')} has ${missing.join(', ')} data`);
  return sources;
}

/** Every language the catalog dataset has files for: leakage is checked against all of them. */
async function datasetLanguages(dataDir: string, name: string): Promise<string[]> {
  const dataset = findDataset(name);
  if (!dataset) throw nonRetryable(`evaluation dataset "${name}" is not in the catalog`);
  let files: string[];
  try {
    files = await fs.readdir(path.join(dataDir, dataset.folder));
  } catch (err) {
    throw nonRetryable(`evaluation dataset ${name} cannot be read to check for leakage: ${(err as Error).message}`);
  }
  return [...new Set(files.map((f) => dataset.language(f)).filter((l): l is string => l !== null))].sort();
}

/** Fails the run, naming counts and examples, when a training group is part of an evaluation suite of the run. */
export async function refuseEvaluationLeakage(deps: TrainDataDeps, spec: TrainingSpec, sources: readonly TrainingSource[]): Promise<void> {
  const problems: string[] = [];
  for (const suite of spec.evaluationSuites) {
    const name = SUITE_DATASET[suite];
    const languages = await datasetLanguages(deps.dataDir, name);
    const evaluation = await loadTrainingGroups(deps.dataDir, name, languages, { cache: deps.cache });
    for (const source of sources) {
      const overlap = findOverlap(source.groups, evaluation.groups);
      if (overlap.count === 0) continue;
      problems.push(
        `${overlap.count} of ${source.groups.length} groups of ${source.name} are in evaluation suite ${suite} (${name}), e.g. ${overlap.examples.join('; ')}`,
      );
    }
  }
  for (const name of spec.evaluationDatasets ?? []) {
    problems.push(...importedSuiteLeaks(name, await loadImportedSuite(await findImportedSuite(deps.prisma, name)), sources));
  }
  if (problems.length > 0) throw nonRetryable(`refusing to train on evaluation data: ${problems.join(' | ')}`);
}

/** What of the sources holds text of the imported evaluation suite `name`, one line per leaking source. */
export function importedSuiteLeaks(name: string, suite: LoadedSuite, sources: readonly TrainingSource[]): string[] {
  const sourceIds = suite.kind === 'RETRIEVAL' ? suite.sourceIds.map((id) => ({ id, dataset: name, items: new Map(), sourceId: id })) : [];
  const index = indexEvaluation(sourceIds, suiteTexts(suite));
  return sources.flatMap((source) => {
    const overlap = findOverlap(source.groups, index);
    return overlap.count === 0 ? [] : [`${overlap.count} of ${source.groups.length} groups of ${source.name} hold text of imported suite ${name}, e.g. ${overlap.examples.join('; ')}`];
  });
}
