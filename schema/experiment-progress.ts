// Moves an experiment forward: every run that trained gets its EVALUATE job, and once nothing of
// the experiment is queued or running, the REPORT job is queued. Each step is keyed (Job
// idempotency keys), so calling this any number of times, from any process, creates each job
// once. Workers call it after settling an experiment's job; the gateway calls it periodically
// for running experiments, so a worker that died between settling a job and calling it delays
// the experiment instead of stalling it.

import { Prisma, type PrismaClient } from '../prisma/generated/client.js';
import { publishJob, type Publisher } from './bus/publish-job.js';
import type { EvaluationRequest } from './evaluation.js';
import { isExperimentPlan, type ExperimentPlan } from './experiment.js';
import { isSweepPlan, type SweepPlan } from './sweep.js';
import type { JobKind } from './jobs.js';
import { DEFAULT_RETRIEVAL, DENSE_RETRIEVAL } from './serving.js';
import type { EvaluationSuite } from './training.js';

const ACTIVE = ['QUEUED', 'RUNNING'] as ('QUEUED' | 'RUNNING')[];

export const evaluationJobKey = (experimentId: string, runId: string) => `experiment:${experimentId}:evaluate:${runId}`;
export const hybridEvaluationJobKey = (experimentId: string, runId: string) => `experiment:${experimentId}:evaluate-hybrid:${runId}`;
export const reportJobKey = (experimentId: string) => `experiment:${experimentId}:report`;

/** Creates the job unless its key exists; publishes it when this call created it (and says so). */
async function createOnce(publisher: Publisher, data: { kind: JobKind; idempotencyKey: string; experimentId: string; runId?: string; payload?: Prisma.InputJsonValue }): Promise<boolean> {
  let id: string;
  try {
    ({ id } = await publisher.prisma.job.create({ data, select: { id: true } }));
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return false; // created before
    throw error;
  }
  await publishJob(publisher, { jobId: id, kind: data.kind, ...(data.runId ? { runId: data.runId } : {}) });
  return true;
}

export async function advanceExperiment(publisher: Publisher, experimentId: string): Promise<void> {
  const { prisma } = publisher;
  const experiment = await prisma.experiment.findUnique({ where: { id: experimentId }, select: { plan: true, status: true } });
  const plan = experiment?.plan;
  if (!experiment || experiment.status !== 'RUNNING') return;
  if (isSweepPlan(plan)) return advanceSweep(publisher, experimentId, plan);
  if (!isExperimentPlan(plan)) return;
  const report = await prisma.job.findUnique({ where: { idempotencyKey: reportJobKey(experimentId) }, select: { status: true } });
  if (report) {
    // Its worker may have died before recording the outcome on the experiment.
    if (report.status === 'FAILED' || report.status === 'CANCELLED') {
      await prisma.experiment.updateMany({ where: { id: experimentId, status: 'RUNNING' }, data: { status: 'FAILED', finishedAt: new Date() } });
    }
    return;
  }
  // Counted before the runs are read: a TRAIN job settles after its run, so when nothing was
  // active here, every run read below has its final status.
  const activeBefore = await countActive(prisma, experimentId);
  const trained = await prisma.run.findMany({ where: { experimentId, status: 'SUCCEEDED' }, select: { id: true, seed: true, evaluationSuites: true } });
  const wanted = trained.flatMap((run) => evaluationsOf(experimentId, plan, run));
  const existing = new Set(
    (await prisma.job.findMany({ where: { experimentId, kind: 'EVALUATE', idempotencyKey: { in: wanted.map((w) => w.key) } }, select: { idempotencyKey: true } })).map((j) => j.idempotencyKey),
  );
  let created = 0;
  for (const { key, runId, request } of wanted) {
    if (existing.has(key)) continue;
    await createOnce(publisher, { kind: 'EVALUATE', idempotencyKey: key, experimentId, runId, payload: request as unknown as Prisma.InputJsonValue });
    created++;
  }
  if (activeBefore > 0 || created > 0) return;
  // Another process may have chained an evaluation since the first count.
  if ((await countActive(prisma, experimentId)) > 0) return;
  await createOnce(publisher, { kind: 'REPORT', idempotencyKey: reportJobKey(experimentId), experimentId });
}

/**
 * A sweep: every trial that trained to its end (not stopped by the median rule) is evaluated on the
 * sweep's suites; once nothing of it is queued or running, it is SUCCEEDED (trials are ranked when
 * read). Its TRAIN jobs enter the queue through admission, at most maxParallel at a time.
 */
async function advanceSweep(publisher: Publisher, experimentId: string, plan: SweepPlan): Promise<void> {
  const { prisma } = publisher;
  const activeBefore = await countActive(prisma, experimentId);
  const trained = await prisma.run.findMany({ where: { experimentId, trial: { not: null }, status: 'SUCCEEDED', OR: [{ stopReason: null }, { stopReason: { not: 'MEDIAN_RULE' } }] }, select: { id: true } });
  const keys = trained.map((run) => evaluationJobKey(experimentId, run.id));
  const existing = new Set((await prisma.job.findMany({ where: { idempotencyKey: { in: keys } }, select: { idempotencyKey: true } })).map((j) => j.idempotencyKey));
  let created = 0;
  for (const run of trained) {
    if (existing.has(evaluationJobKey(experimentId, run.id))) continue;
    const request: EvaluationRequest = {
      target: { kind: 'run', runId: run.id },
      suites: plan.evaluation.suites,
      bootstrap: plan.evaluation.bootstrap,
      // One seed for every trial: their intervals come from the same bootstrap draws.
      seed: 0,
      retrieval: DENSE_RETRIEVAL,
      ...(plan.evaluation.queriesPerLanguage !== null ? { queriesPerLanguage: plan.evaluation.queriesPerLanguage } : {}),
    };
    if (await createOnce(publisher, { kind: 'EVALUATE', idempotencyKey: evaluationJobKey(experimentId, run.id), experimentId, runId: run.id, payload: request as unknown as Prisma.InputJsonValue })) created++;
  }
  if (activeBefore > 0 || created > 0) return;
  if ((await countActive(prisma, experimentId)) > 0) return;
  // Nothing to rank (every trial failed, was cancelled, or its evaluation failed): the sweep failed.
  const evaluated = await prisma.job.count({ where: { experimentId, kind: 'EVALUATE', status: 'SUCCEEDED' } });
  await prisma.experiment.updateMany({ where: { id: experimentId, status: 'RUNNING' }, data: { status: evaluated > 0 ? 'SUCCEEDED' : 'FAILED', finishedAt: new Date() } });
}

/** A trained run's evaluations: DENSE on its suites (the encoders compared), and HYBRID for the plan's first seeds. */
function evaluationsOf(experimentId: string, plan: ExperimentPlan, run: { id: string; seed: number; evaluationSuites: string[] }) {
  const { evaluation } = plan;
  const suites = run.evaluationSuites as EvaluationSuite[];
  const dense: EvaluationRequest = {
    target: { kind: 'run', runId: run.id },
    suites,
    bootstrap: evaluation.bootstrap,
    // One seed for every report: paired comparisons then share their bootstrap draws.
    seed: 0,
    retrieval: DENSE_RETRIEVAL,
    ...(evaluation.queriesPerLanguage !== null ? { queriesPerLanguage: evaluation.queriesPerLanguage } : {}),
  };
  const out = [{ key: evaluationJobKey(experimentId, run.id), runId: run.id, request: dense }];
  const hybrid = evaluation.hybrid;
  const retrievalSuites = suites.filter((s) => s !== 'XNLI_ALIGNMENT');
  if (hybrid && plan.seeds.slice(0, hybrid.seeds).includes(run.seed) && retrievalSuites.length > 0) {
    const { queriesPerLanguage: _all, ...rest } = dense;
    const request: EvaluationRequest = {
      ...rest,
      suites: retrievalSuites,
      retrieval: DEFAULT_RETRIEVAL,
      ...(hybrid.queriesPerLanguage !== null ? { queriesPerLanguage: hybrid.queriesPerLanguage } : {}),
    };
    out.push({ key: hybridEvaluationJobKey(experimentId, run.id), runId: run.id, request });
  }
  return out;
}

const countActive = (prisma: PrismaClient, experimentId: string) =>
  prisma.job.count({ where: { experimentId, kind: { not: 'REPORT' }, status: { in: ACTIVE } } });
