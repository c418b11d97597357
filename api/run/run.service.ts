// The writes behind startTrainingRun and cancelRun. Database first, then the bus: a job whose
// publish fails stays QUEUED and the outbox (job/outbox.ts) publishes it later.

import { trainingRequirements, type JobRequirements } from '../../schema/capabilities.js';
import { randomUUID } from 'node:crypto';
import { Prisma, type Run as RunRow } from '../../prisma/generated/client.js';
import type { RunStatus } from '../../schema/events.js';
import type { TrainingSpec } from '../../schema/training.js';
import type { GatewayServices } from '../context.js';
import { type Principal, principalName } from '../auth/principal.js';
import { badUserInput, forbidden, notFound, rateLimited } from '../errors.js';
import { listDatasets } from '../dataset/registry.js';
import { tryAdmitTrainings } from '../../schema/bus/admit-trainings.js';
import { MAX_TRAINER_PRIORITY, PRIORITY_RANGE } from '../../schema/admission.js';
import type { TrainingCaps } from '../../schema/training-validation.js';
import { resolveTrainingInput, type TrainingRunInputData } from './training-input.js';

const CANCELLABLE: RunStatus[] = ['QUEUED', 'RUNNING'];

const json = (value: object): Prisma.InputJsonValue => value as Prisma.InputJsonValue;

const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/** Job keys share one namespace with other job kinds; the prefix keeps a user's key to training. */
export const trainJobKey = (idempotencyKey: string) => `train:${idempotencyKey}`;

/** A Run row and its TRAIN job, for one nested create. */
export function runWithTrainJob(
  spec: TrainingSpec,
  options: {
    experimentId: string | null; jobKey: string; jobExperimentId?: string; createdByKeyId: string | null; createdBy: string | null;
    requirements?: JobRequirements; priority?: number; trial?: number;
  },
) {
  return {
    experimentId: options.experimentId,
    createdByKeyId: options.createdByKeyId,
    createdBy: options.createdBy,
    strategy: spec.strategy,
    alpha: spec.alpha,
    trainDatasets: spec.trainDatasets,
    languages: spec.languages,
    seed: spec.seed,
    evaluationSuites: spec.evaluationSuites,
    evaluationDatasets: spec.evaluationDatasets ?? [],
    model: json(spec.model),
    hyperParameters: json(spec.hyperParameters),
    ...(options.trial !== undefined ? { trial: options.trial } : {}),
    jobs: {
      create: {
        kind: 'TRAIN' as const,
        idempotencyKey: options.jobKey,
        ...(options.jobExperimentId ? { experimentId: options.jobExperimentId } : {}),
        ...(options.requirements ? { requirements: json(options.requirements) } : {}),
        ...(options.priority ? { priority: options.priority } : {}),
      },
    },
  };
}

export async function startTrainingRun(services: GatewayServices, principal: Principal, input: TrainingRunInputData): Promise<RunRow> {
  const { prisma } = services;
  await refuseOverActiveRuns(services, principal, 1);
  const priority = checkPriority(principal, input.priority);
  const models = input.baseModel == null ? [] : await prisma.registeredModel.findMany();
  const { spec, experimentId, idempotencyKey, parameters } = resolveTrainingInput(input, await listDatasets(services), models, trainingCapsOf(services, principal));
  const requirements = trainingRequirements(spec, parameters, { allowCpu: input.allowCpu === true, gpuRequiredParameters: services.gpuRequiredParameters });
  if (experimentId !== null) {
    const experiment = await prisma.experiment.findUnique({ where: { id: experimentId }, select: { plan: true } });
    if (!experiment) throw badUserInput('input.experimentId', experimentId, 'is not the id of an experiment');
    // Their runs are their trials: one added by hand would be evaluated, ranked and run past maxParallel.
    if (experiment.plan !== null) throw badUserInput('input.experimentId', experimentId, 'is a sweep or a preset experiment, whose runs only the sweep starts');
  }
  const jobKey = trainJobKey(idempotencyKey ?? randomUUID());
  const existing = idempotencyKey === null ? null : await runOfJobKey(services, jobKey);
  if (existing) return existing;

  let run: RunRow & { jobs: Array<{ id: string }> };
  try {
    // One nested write, so the run and its job commit together or not at all.
    run = await prisma.run.create({
      data: runWithTrainJob(spec, { experimentId, jobKey, ...principalName(principal), requirements, priority }),
      include: { jobs: { select: { id: true } } },
    });
  } catch (error) {
    // A concurrent request with the same key won the race: answer with its run.
    const winner = isUniqueViolation(error) ? await runOfJobKey(services, jobKey) : null;
    if (winner) return winner;
    throw error;
  }

  const { jobs: _held, ...row } = run;
  // The TRAIN job enters the queue when admitted: now if a slot is free, else when one frees.
  await tryAdmitTrainings(services);
  publishStatus(services, row.id, 'QUEUED', null);
  return row;
}

async function runOfJobKey(services: GatewayServices, jobKey: string): Promise<RunRow | null> {
  const job = await services.prisma.job.findUnique({ where: { idempotencyKey: jobKey }, include: { run: true } });
  return job?.run ?? null;
}

/** A priority in range; raising one above MAX_TRAINER_PRIORITY is an admin's call (the open mode's single user is one). */
export function checkPriority(principal: Principal, priority: number | null | undefined, field = 'input.priority'): number {
  if (priority == null) return 0;
  const [lo, hi] = PRIORITY_RANGE;
  if (!Number.isInteger(priority) || priority < lo || priority > hi) throw badUserInput(field, priority, `is not an integer in [${lo}, ${hi}]`);
  if (priority > MAX_TRAINER_PRIORITY && principal.kind === 'key' && principal.role !== 'admin') {
    throw forbidden(`${field}: a priority above ${MAX_TRAINER_PRIORITY} needs an admin key`, field);
  }
  return priority;
}

/** Readers never get here (@Authorized); the open mode's single user has the admin's caps. */
export function trainingCapsOf(services: GatewayServices, principal: Principal): TrainingCaps {
  return services.security.trainingCaps[principal.kind === 'key' && principal.role === 'trainer' ? 'trainer' : 'admin'];
}

/**
 * One key cannot fill the queue: runs QUEUED or RUNNING per key are capped by role (`adding` is
 * how many the request would add). Open mode has one user and no cap.
 */
export async function refuseOverActiveRuns(services: GatewayServices, principal: Principal, adding: number): Promise<void> {
  if (principal.kind !== 'key' || principal.role === 'reader') return;
  const cap = services.security.rate.activeRunsPerKey[principal.role];
  const active = await services.prisma.run.count({ where: { createdByKeyId: principal.keyId, status: { in: CANCELLABLE } } });
  if (active + adding > cap) {
    throw rateLimited(`key ${principal.name} has ${active} run(s) queued or running and may have at most ${cap}; wait for some to finish or cancel them`, 60_000, 'input');
  }
}

/** Trainers cancel their own runs; admins (and the open mode's single user) any run. */
async function refuseOthersRun(services: GatewayServices, principal: Principal, id: string): Promise<void> {
  if (principal.kind !== 'key' || principal.role === 'admin') return;
  const run = await services.prisma.run.findUnique({ where: { id }, select: { createdByKeyId: true } });
  if (!run) throw notFound('run', 'id', id);
  if (run.createdByKeyId !== principal.keyId) throw forbidden(`id: run ${JSON.stringify(id)} was started by another key; only its creator or an admin may cancel it`, 'id');
}

export async function cancelRun(services: GatewayServices, principal: Principal, id: string): Promise<RunRow> {
  const { prisma } = services;
  await refuseOthersRun(services, principal, id);
  const now = new Date();
  // Conditional updates: a worker finishing the run at the same moment wins or loses cleanly.
  // Held jobs (not yet admitted, schema/admission.ts) have no message to withdraw.
  const queued = await prisma.job.findMany({ where: { runId: id, status: 'QUEUED', publishedAt: { not: null } }, select: { id: true, queueSeq: true } });
  const cancelled = await prisma.$transaction(async (tx) => {
    // Job rows before the Run row, in the order a worker's lease write takes them (Job FOR SHARE,
    // then the Run): the opposite order could deadlock with a training's last write.
    await tx.$queryRaw`SELECT id FROM "Job" WHERE "runId" = ${id} FOR UPDATE`;
    const { count } = await tx.run.updateMany({
      where: { id, status: { in: CANCELLABLE } },
      data: { status: 'CANCELLED', finishedAt: now },
    });
    if (count === 0) return false;
    await tx.job.updateMany({ where: { runId: id, status: { in: CANCELLABLE } }, data: { status: 'CANCELLED' } });
    return true;
  });
  const row = await prisma.run.findUnique({ where: { id } });
  if (!row) throw notFound('run', 'id', id);
  if (!cancelled) {
    throw badUserInput('id', id, `is a run in status ${row.status}; only ${CANCELLABLE.join(' or ')} runs can be cancelled`);
  }
  // A job no worker has taken leaves the queue at once, rather than waiting to be taken and dropped
  // (a GPU job could wait for a GPU worker that never comes). One already taken is not there.
  await withdrawQueued(services, queued, `cancelRun ${id}`);
  try {
    services.bus.events.publish({ type: 'cancelRun', runId: id, at: now.toISOString() });
  } catch (error) {
    // The worker also sees CANCELLED in the database at its next status check.
    services.log(`cancelRun ${id}: cancel event not published: ${String(error)}`);
  }
  publishStatus(services, id, 'CANCELLED', null);
  // Its share and its sweep's slot are free: the next held training may enter.
  await tryAdmitTrainings(services);
  return row;
}

/** Removes cancelled jobs' messages from the queue; one that cannot be removed is dropped by the worker it reaches. */
export async function withdrawQueued(services: GatewayServices, jobs: ReadonlyArray<{ id: string; queueSeq: bigint | null }>, context: string): Promise<void> {
  for (const job of jobs) {
    await services.bus.jobs.withdraw({ jobId: job.id, seq: job.queueSeq === null ? null : Number(job.queueSeq) })
      .catch((error: unknown) => services.log(`${context}: job ${job.id} not withdrawn from the queue (a worker drops it): ${String(error)}`));
  }
}

function publishStatus(services: GatewayServices, runId: string, status: RunStatus, error: string | null): void {
  try {
    services.bus.events.publish({ type: 'runStatus', runId, status, error, at: new Date().toISOString() });
  } catch (failure) {
    services.log(`run ${runId}: status event ${status} not published: ${String(failure)}`);
  }
}
