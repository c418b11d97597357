// indexCorpus and promoteCollection. Every check runs before anything is written: a bad
// request leaves no Job row, no alias and no vector collection behind.

import { randomUUID } from 'node:crypto';
import type { Collection as CollectionRow, Job as JobRow, Prisma } from '../../prisma/generated/client.js';
import { collectionNameProblem } from '../../schema/names.js';
import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import { publishJob } from '../job/outbox.js';
import { BM25_DEFAULTS } from '../../schema/serving.js';

/** Datasets whose candidate sentences EMBED jobs index (the LAReQA retrieval benchmarks). */
export const RETRIEVAL_DATASETS = ['xquad-r', 'mlqa-r'] as const;

export interface IndexCorpusData {
  checkpointId: string;
  dataset: string;
  languages?: string[] | null;
  bm25?: { k1?: number | null; b?: number | null } | null;
}

/** Past 3, BM25's term frequencies barely saturate (Lucene's and Elasticsearch's default is 1.2). */
export const MAX_BM25_K1 = 3;

export async function indexCorpus(services: GatewayServices, input: IndexCorpusData): Promise<JobRow> {
  const { prisma } = services;
  const { checkpointId, dataset } = input;
  if (!(RETRIEVAL_DATASETS as readonly string[]).includes(dataset)) {
    throw badUserInput('input.dataset', dataset, `is not a retrieval dataset (${RETRIEVAL_DATASETS.join(', ')})`);
  }
  const info = (await services.catalog.list()).find((d) => d.name === dataset);
  if (!info?.available) throw badUserInput('input.dataset', dataset, 'has no files in the data folder');
  if (input.languages != null && input.languages.length === 0) {
    throw badUserInput('input.languages', [], 'must name at least one language (omit it for every language)');
  }
  for (const language of input.languages ?? []) {
    if (!info.languages.includes(language)) {
      throw badUserInput('input.languages', language, `is not a language of ${dataset} (${info.languages.join(', ')})`);
    }
  }
  const languages = [...new Set(input.languages ?? info.languages)];
  const k1 = input.bm25?.k1 ?? BM25_DEFAULTS.k1;
  const b = input.bm25?.b ?? BM25_DEFAULTS.b;
  if (!(k1 >= 0 && k1 <= MAX_BM25_K1)) throw badUserInput('input.bm25.k1', k1, `is not in [0, ${MAX_BM25_K1}]`);
  if (!(b >= 0 && b <= 1)) throw badUserInput('input.bm25.b', b, 'is not in [0, 1]');
  const checkpoint = await prisma.checkpoint.findUnique({ where: { id: checkpointId }, select: { prunedAt: true } });
  if (!checkpoint) throw badUserInput('input.checkpointId', checkpointId, 'is not the id of a checkpoint');
  if (checkpoint.prunedAt) throw badUserInput('input.checkpointId', checkpointId, 'was pruned (keepCheckpoints): its files are gone; index with a newer checkpoint of the run');
  const id = randomUUID();
  const collection = `${dataset}-${checkpointId.slice(0, 8)}-${id.slice(0, 8)}`;
  const payload = { checkpointId, dataset, languages, collection, bm25: { k1, b } };
  const job = await prisma.job.create({ data: { id, kind: 'EMBED', payload: payload as Prisma.InputJsonValue, idempotencyKey: `index-corpus:${id}` } });
  await publishJob(services, { jobId: job.id, kind: 'EMBED' });
  return job;
}

export async function promoteCollection(services: GatewayServices, alias: string, collectionId: string): Promise<CollectionRow> {
  const { prisma } = services;
  const problem = collectionNameProblem(alias);
  if (problem) throw badUserInput('alias', alias, `is not a valid alias: it ${problem}`);
  const row = await prisma.collection.findUnique({ where: { id: collectionId } });
  if (!row) throw badUserInput('collectionId', collectionId, 'is not the id of a collection');
  const taken = await prisma.collection.findUnique({ where: { name: alias }, select: { id: true } });
  if (taken) throw badUserInput('alias', alias, 'is the name of a collection');
  // The store swaps first (on a worker that holds it): if the database write then fails, a retry
  // of the same call converges.
  await services.workers.value({ kind: 'store', call: { method: 'setAlias', alias, collection: row.name } });
  const [, promoted] = await prisma.$transaction([
    prisma.collection.updateMany({ where: { alias, NOT: { id: collectionId } }, data: { alias: null } }),
    prisma.collection.update({ where: { id: collectionId }, data: { alias } }),
  ]);
  services.collections.invalidateAliases();
  return promoted;
}
