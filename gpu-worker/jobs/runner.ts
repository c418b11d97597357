// The life of one delivery, around the kind-specific handler: duplicate and give-up checks,
// RUNNING transitions, a heartbeat that also watches for cancellation, and the settlement:
// ack on success or cancellation, reject on a final failure, retry with backoff otherwise. On
// shutdown the delivery is left unsettled and the Job RUNNING: the bus redelivers it elsewhere.

import type { PrismaClient } from '../../prisma/generated/client.js';
import type { JobDelivery } from '../../schema/bus.js';
import { TERMINAL_RUN_STATUSES, type RunStatus } from '../../schema/events.js';
import { JobError, type JobEnd, type JobKind } from '../../schema/jobs.js';
import { drivenRunId, type StatusStore } from './status.js';
import { abortReasonOf, type AbortReason, type JobHandler } from './types.js';

export interface RunnerDeps {
  prisma: PrismaClient;
  status: StatusStore;
  handlerFor: (kind: JobKind) => JobHandler;
  maxDeliveries: number;
  heartbeatMs: number;
  retryDelayMs: (attempt: number) => number;
  /** Called once a job reached a final state (work that follows from it, e.g. an experiment's next jobs). Errors are logged. */
  afterSettled?: (job: { id: string; kind: JobKind; experimentId: string | null }, status: JobEnd, error: string | null) => Promise<void>;
  /** Called once a job is RUNNING here (a training leaving the queue frees an admission slot). Errors are logged. */
  afterStarted?: (job: { id: string; kind: JobKind }) => Promise<void>;
  log: (line: string) => void;
}

interface InFlight {
  runId: string | null;
  controller: AbortController;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function createJobRunner(deps: RunnerDeps) {
  const { prisma, status, log } = deps;
  const inFlight = new Map<string, InFlight>();
  const running = new Set<Promise<void>>();
  let stopping = false;

  function startHeartbeat(delivery: JobDelivery, jobId: string, runId: string | null, controller: AbortController) {
    let pending: Promise<void> | undefined;
    const beat = async () => {
      delivery.heartbeat();
      const state = await status.heartbeat(jobId, runId, delivery.attempt);
      if (state === 'cancelled') controller.abort({ kind: 'cancelled' } satisfies AbortReason);
      if (state === 'superseded') controller.abort({ kind: 'superseded' } satisfies AbortReason);
    };
    const timer = setInterval(() => {
      pending ??= beat()
        .catch((err) => log(`job ${jobId}: heartbeat failed: ${describe(err)}`))
        .finally(() => (pending = undefined));
    }, deps.heartbeatMs);
    return async () => {
      clearInterval(timer);
      await pending;
    };
  }

  type SettledJob = { id: string; kind: JobKind; experimentId: string | null };
  async function settled(job: SettledJob, final: JobEnd, error: string | null = null): Promise<void> {
    if (!deps.afterSettled) return;
    await deps.afterSettled(job, final, error).catch((err) => log(`job ${job.id}: after ${final}: ${describe(err)}`));
  }

  async function settleFailure(delivery: JobDelivery, job: SettledJob, runId: string | null, err: unknown): Promise<void> {
    const jobId = job.id;
    const message = describe(err);
    const final = err instanceof JobError && !err.retryable;
    if (final || delivery.attempt >= deps.maxDeliveries) {
      const error = final ? message : `gave up after ${delivery.attempt} deliveries: ${message}`;
      log(`job ${jobId}: failed: ${error}`);
      await status.fail(jobId, runId, error);
      delivery.reject();
      await settled(job, 'FAILED', error);
      return;
    }
    const delay = deps.retryDelayMs(delivery.attempt);
    if (!(await status.requeue(jobId, delivery.attempt, message))) {
      // No longer this delivery's job (another worker took it over, or it was cancelled): nothing to
      // give back; a later delivery, if any, finds its state and settles it.
      delivery.release();
      log(`job ${jobId}: attempt ${delivery.attempt} ended, the job no longer its own (another worker took it over, or it was cancelled): ${message}`);
      return;
    }
    log(`job ${jobId}: attempt ${delivery.attempt} failed, retrying in ${delay} ms: ${message}`);
    delivery.retry(delay);
  }

  async function processDelivery(delivery: JobDelivery): Promise<void> {
    const { jobId } = delivery.message;
    const job = await prisma.job.findUnique({ where: { id: jobId } });
    if (!job) {
      log(`job ${jobId}: no such job; dropped`);
      delivery.reject();
      return;
    }
    if (TERMINAL_RUN_STATUSES.has(job.status as RunStatus)) {
      log(`job ${jobId}: already ${job.status}; duplicate delivery acknowledged`);
      await delivery.ack();
      return;
    }
    // Only a TRAIN job's run follows the job; an EVALUATE job merely reads the run it names.
    const runId = drivenRunId(job);
    if (delivery.attempt > deps.maxDeliveries) {
      // The previous delivery never settled: its worker died or stopped.
      const last = job.status === 'RUNNING' ? 'worker lost' : (job.error ?? 'worker lost');
      const error = `gave up after ${delivery.attempt - 1} deliveries: ${last}`;
      log(`job ${jobId}: ${error}`);
      await status.fail(jobId, runId, error);
      delivery.reject();
      await settled(job, 'FAILED', error);
      return;
    }
    const run = job.runId ? await prisma.run.findUnique({ where: { id: job.runId } }) : null;
    if (runId && (!run || run.status === 'CANCELLED')) {
      await status.cancel(jobId, runId);
      await delivery.ack();
      await settled(job, 'CANCELLED');
      return;
    }
    const started = await status.start(jobId, runId, delivery.attempt);
    if (started !== 'running') {
      await delivery.ack();
      return;
    }

    // Not awaited: waiting for the admission lock must not delay the heartbeat or a cancellation.
    if (deps.afterStarted) void deps.afterStarted(job).catch((err) => log(`job ${jobId}: after start: ${describe(err)}`));
    const controller = new AbortController();
    inFlight.set(jobId, { runId, controller });
    if (stopping) controller.abort({ kind: 'shutdown' } satisfies AbortReason);
    const stopHeartbeat = startHeartbeat(delivery, jobId, runId, controller);
    let failure: { error: unknown } | undefined;
    try {
      const outcome = await deps.handlerFor(job.kind)({ job, run, attempt: delivery.attempt, signal: controller.signal });
      if (outcome.kind === 'aborted' && !controller.signal.aborted) throw new Error('handler stopped without being aborted');
    } catch (error) {
      failure = { error };
    } finally {
      await stopHeartbeat();
      inFlight.delete(jobId);
    }

    const reason = abortReasonOf(controller.signal);
    switch (reason?.kind) {
      case 'shutdown':
        log(`job ${jobId}: left for redelivery (shutdown)`);
        return;
      case 'superseded':
        // Another worker runs its redelivery: a nak from here would take the message from it.
        delivery.release();
        log(`job ${jobId}: another worker took it over; this delivery is let go`);
        return;
      case 'cancelled':
        await status.cancel(jobId, runId);
        await delivery.ack();
        log(`job ${jobId}: cancelled`);
        await settled(job, 'CANCELLED');
        return;
      case undefined:
        break;
    }
    if (failure) return settleFailure(delivery, job, runId, failure.error);
    // The run may have been cancelled after the last step: then the job ends CANCELLED.
    const final = await status.succeed(jobId, runId);
    await delivery.ack();
    log(final === 'SUCCEEDED' ? `job ${jobId}: done` : `job ${jobId}: cancelled`);
    await settled(job, final);
  }

  return {
    /** Handles one delivery to the end; errors of the platform itself lead to a retry. */
    handle(delivery: JobDelivery): Promise<void> {
      const work = processDelivery(delivery).catch((err) => {
        log(`job ${delivery.message.jobId}: ${describe(err)}; retrying`);
        delivery.retry(deps.retryDelayMs(delivery.attempt));
      });
      running.add(work);
      return work.finally(() => running.delete(work));
    },

    /** Aborts the jobs of a run at their next step. */
    cancelRun(runId: string): void {
      for (const [jobId, flight] of inFlight) {
        if (flight.runId !== runId) continue;
        log(`job ${jobId}: cancel requested`);
        flight.controller.abort({ kind: 'cancelled' } satisfies AbortReason);
      }
    },

    /** Aborts every job for redelivery elsewhere and waits until their handlers have returned. */
    async shutdown(): Promise<void> {
      stopping = true;
      for (const { controller } of inFlight.values()) controller.abort({ kind: 'shutdown' } satisfies AbortReason);
      await Promise.all(running);
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
