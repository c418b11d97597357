// Moves an experiment forward: every run that trained gets its EVALUATE job, and once nothing of
// the experiment is queued or running, the REPORT job is queued. Each step is keyed (Job
// idempotency keys), so calling this any number of times, from any process, creates each job
// once. Workers call it after settling an experiment's job; the gateway calls it periodically
// for running experiments, so a worker that died between settling a job and calling it delays
// the experiment instead of stalling it.

import { Prisma, type PrismaClient } from '../prisma/generated/client.js';
import { publishJob, type Publisher } from './bus/publish-job.js';
import type { EvaluationRequest } from './evaluation.js';
import { isExperimentPlan } from './experiment.js';
import type { JobKind } from './jobs.js';
import type { EvaluationSuite } from './training.js';

const ACTIVE = ['QUEUED', 'RUNNING'] as ('QUEUED' | 'RUNNING')[];

export const evaluationJobKey = (experimentId: string, runId: string) => `experiment:${experimentId}:evaluate:${runId}`;
export const reportJobKey = (experimentId: string) => `experiment:${experimentId}:report`;

/** Creates the job unless its key exists; publishes it when this call created it. */
async function createOnce(publisher: Publisher, data: { kind: JobKind; idempotencyKey: string; experimentId: string; runId?: string; payload?: Prisma.InputJsonValue }): Promise<void> {
  let id: string;
  try {
    ({ id } = await publisher.prisma.job.create({ data, select: { id: true } }));
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return; // created before
    throw error;
  }
  await publishJob(publisher, { jobId: id, kind: data.kind, ...(data.runId ? { runId: data.runId } : {}) });
}

export async function advanceExperiment(publisher: Publisher, experimentId: string): Promise<void> {
  const { prisma } = publisher;
  const experiment = await prisma.experiment.findUnique({ where: { id: experimentId }, select: { plan: true, status: true } });
  if (!experiment || experiment.status !== 'RUNNING' || !isExperimentPlan(experiment.plan)) return;
  const report = await prisma.job.findUnique({ where: { idempotencyKey: reportJobKey(experimentId) }, select: { status: true } });
  if (report) {
    // Its worker may have died before recording the outcome on the experiment.
    if (report.status === 'FAILED' || report.status === 'CANCELLED') {
      await prisma.experiment.updateMany({ where: { id: experimentId, status: 'RUNNING' }, data: { status: 'FAILED', finishedAt: new Date() } });
    }
    return;
  }
  const { evaluation } = experiment.plan;

  // Counted before the runs are read: a TRAIN job settles after its run, so when nothing was
  // active here, every run read below has its final status.
  const activeBefore = await countActive(prisma, experimentId);
  const trained = await prisma.run.findMany({ where: { experimentId, status: 'SUCCEEDED' }, select: { id: true, evaluationSuites: true } });
  const existing = new Set(
    (await prisma.job.findMany({ where: { experimentId, kind: 'EVALUATE', runId: { in: trained.map((r) => r.id) } }, select: { idempotencyKey: true } })).map((j) => j.idempotencyKey),
  );
  let created = 0;
  for (const run of trained) {
    const key = evaluationJobKey(experimentId, run.id);
    if (existing.has(key)) continue;
    const request: EvaluationRequest = {
      target: { kind: 'run', runId: run.id },
      suites: run.evaluationSuites as EvaluationSuite[],
      bootstrap: evaluation.bootstrap,
      // One seed for every report: paired comparisons then share their bootstrap draws.
      seed: 0,
      ...(evaluation.queriesPerLanguage !== null ? { queriesPerLanguage: evaluation.queriesPerLanguage } : {}),
    };
    await createOnce(publisher, { kind: 'EVALUATE', idempotencyKey: key, experimentId, runId: run.id, payload: request as unknown as Prisma.InputJsonValue });
    created++;
  }
  if (activeBefore > 0 || created > 0) return;
  // Another process may have chained an evaluation since the first count.
  if ((await countActive(prisma, experimentId)) > 0) return;
  await createOnce(publisher, { kind: 'REPORT', idempotencyKey: reportJobKey(experimentId), experimentId });
}

const countActive = (prisma: PrismaClient, experimentId: string) =>
  prisma.job.count({ where: { experimentId, kind: { not: 'REPORT' }, status: { in: ACTIVE } } });
