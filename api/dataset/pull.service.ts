// pullDataset: a PULL job that puts a catalog dataset's recorded files into the workers' data
// folder (gpu-worker/jobs/pull-dataset.ts). Everything is checked before the Job row is written.

import { randomUUID } from 'node:crypto';
import type { Job as JobRow } from '../../prisma/generated/client.js';
import { isNonCommercial, manifestOf } from '../../schema/data-sources.js';
import { DATASETS, findDataset } from '../../schema/datasets.js';
import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import { publishJob } from '../job/outbox.js';

export interface PullDatasetData {
  name: string;
  acceptNonCommercial?: boolean | null;
}

export async function pullDataset(services: GatewayServices, input: PullDatasetData): Promise<JobRow> {
  const { prisma } = services;
  const { name } = input;
  if (!findDataset(name)) throw badUserInput('input.name', name, `is not a dataset of the catalog (${DATASETS.map((d) => d.name).join(', ')})`);
  const folder = manifestOf(name);
  if (!folder) throw badUserInput('input.name', name, 'has no recorded source to download it from; put its files in the data folder by hand');
  const restricted = [...new Set(folder.files.map((f) => f.license).filter(isNonCommercial))];
  if (restricted.length > 0 && input.acceptNonCommercial !== true) {
    throw badUserInput('input.acceptNonCommercial', input.acceptNonCommercial ?? null, `must be true to download ${name}: its license (${restricted.join(', ')}) allows non-commercial use only`);
  }
  // One pull of a dataset at a time: asking again while one is queued or running returns it. The
  // transaction-scoped advisory lock makes concurrent requests (on any gateway) take turns between
  // looking for an active pull and creating one.
  const { job, created } = await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`xling:pull-dataset:${name}`}))`;
    const active = await tx.job.findFirst({
      where: { kind: 'PULL', status: { in: ['QUEUED', 'RUNNING'] }, payload: { path: ['dataset'], equals: name } },
      orderBy: { createdAt: 'asc' },
    });
    if (active) return { job: active, created: false };
    const id = randomUUID();
    return { job: await tx.job.create({ data: { id, kind: 'PULL', payload: { dataset: name }, idempotencyKey: `pull-dataset:${id}` } }), created: true };
  });
  if (created) await publishJob(services, { jobId: job.id, kind: 'PULL' });
  return job;
}
