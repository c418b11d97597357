// Every dataset a run may name: the catalog found in the data folder, then the imported JSONL
// files recorded in the database.

import { stat } from 'node:fs/promises';
import { MAX_LIST_ITEMS } from '../pagination.js';
import type { GatewayServices } from '../context.js';
import { realRoots } from '../files/confined.js';
import type { DatasetInfo, DatasetState, LanguageCount } from './catalog.js';
import { importedFilesOf, toDatasetInfo } from './imported.js';

type Services = Pick<GatewayServices, 'catalog' | 'prisma' | 'importRoots'>;

export async function listDatasets(services: Services): Promise<DatasetInfo[]> {
  const [catalog, imported] = await Promise.all([services.catalog.list(), listImported(services)]);
  return [...catalog, ...imported];
}

export async function listImported({ prisma, importRoots }: Pick<GatewayServices, 'prisma' | 'importRoots'>): Promise<DatasetInfo[]> {
  const rows = await prisma.importedDataset.findMany({ orderBy: { name: 'asc' }, take: MAX_LIST_ITEMS });
  // Imports record real paths; roots are matched in both spellings.
  const roots = [...importRoots, ...(await realRoots(importRoots))];
  return Promise.all(rows.map(async (row) => toDatasetInfo(row, (await Promise.all(importedFilesOf(row).map((f) => isFile(f.path)))).every(Boolean), roots)));
}

export function exampleCounts(services: Services, dataset: DatasetInfo): Promise<LanguageCount[]> {
  return dataset.imported ? Promise.resolve(dataset.imported.examples) : services.catalog.exampleCounts(dataset.name);
}

/** Imported datasets have no recorded source: present when their file is. */
export function stateOf(services: Services, dataset: DatasetInfo): Promise<DatasetState> {
  if (dataset.imported) return Promise.resolve({ status: dataset.available ? 'PRESENT' : 'MISSING', missing: [], corrupted: [] });
  return services.catalog.state(dataset.name);
}

/** A moved or deleted import is listed as unavailable rather than failing the whole query. */
async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
