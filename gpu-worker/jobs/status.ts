// Job and Run status transitions. Every write is conditional on the row still being active
// (QUEUED or RUNNING), so a worker never overwrites a cancellation by the gateway, a result of
// another worker, or a terminal state reached meanwhile. Events go out after the rows are written.

import type { PrismaClient } from '../../prisma/generated/client.js';
import type { EventBus } from '../../schema/bus.js';
import { assertNever, type RunStatus } from '../../schema/events.js';
import type { JobKind } from '../../schema/jobs.js';

/**
 * The run whose status a job drives: a TRAIN job's own run. An EVALUATE job names the run it
 * evaluates (Job.runId), but that run's status, start and end belong to its training, so the
 * job's transitions must leave it alone.
 */
export function drivenRunId(job: { kind: JobKind; runId: string | null }): string | null {
  switch (job.kind) {
    case 'TRAIN':
      return job.runId;
    case 'EVALUATE':
    case 'EMBED':
    case 'REPORT':
    case 'PULL':
      return null;
    default:
      return assertNever(job.kind);
  }
}

const ACTIVE = { in: ['QUEUED', 'RUNNING'] as ('QUEUED' | 'RUNNING')[] };

export type StartResult = 'running' | 'cancelled' | 'settled';
export type HeartbeatResult = 'ok' | 'cancelled' | 'superseded';

export interface StatusDeps {
  prisma: PrismaClient;
  events: EventBus;
  workerId: string;
  /** Stored on every run this worker starts: the backend and why it was chosen (backend.ts). */
  backend: string;
}

export function createStatusStore({ prisma, events, workerId, backend }: StatusDeps) {
  const publish = (runId: string, status: RunStatus, error: string | null = null) =>
    events.publish({ type: 'runStatus', runId, status, error, at: new Date().toISOString() });

  async function cancel(jobId: string, runId: string | null): Promise<void> {
    const now = new Date();
    const job = await prisma.job.updateMany({ where: { id: jobId, status: ACTIVE }, data: { status: 'CANCELLED' } });
    if (!runId) return;
    const { count } = await prisma.run.updateMany({ where: { id: runId, status: ACTIVE }, data: { status: 'CANCELLED', finishedAt: now } });
    if (count > 0) return publish(runId, 'CANCELLED');
    // The gateway cancels a run and its jobs in one transaction, then announces it: nothing to
    // add. A job still active under a CANCELLED run means the run was cancelled in the database
    // only, and no one announced its end.
    if (job.count > 0) {
      const run = await prisma.run.findUnique({ where: { id: runId }, select: { status: true } });
      if (run?.status === 'CANCELLED') publish(runId, 'CANCELLED');
    }
  }

  return {
    cancel,

    async start(jobId: string, runId: string | null, attempt: number): Promise<StartResult> {
      const now = new Date();
      const job = await prisma.job.updateMany({
        where: { id: jobId, status: ACTIVE },
        data: { status: 'RUNNING', attempts: attempt, workerId, lastHeartbeat: now },
      });
      if (job.count === 0) return 'settled';
      if (!runId) return 'running';
      const run = await prisma.run.updateMany({
        where: { id: runId, status: ACTIVE },
        // A redelivered run starts over, hence a fresh startedAt.
        data: { status: 'RUNNING', startedAt: now, finishedAt: null, backend, error: null },
      });
      if (run.count === 0) {
        const current = await prisma.run.findUnique({ where: { id: runId }, select: { status: true } });
        if (!current || current.status === 'CANCELLED') {
          await cancel(jobId, runId);
          return 'cancelled';
        }
        // The run already ended (an earlier delivery finished it): make the job agree.
        await prisma.job.updateMany({ where: { id: jobId, status: ACTIVE }, data: { status: current.status } });
        return 'settled';
      }
      publish(runId, 'RUNNING');
      return 'running';
    },

    async heartbeat(jobId: string, runId: string | null, attempt: number): Promise<HeartbeatResult> {
      const [job, run] = await Promise.all([
        prisma.job.findUnique({ where: { id: jobId }, select: { status: true, attempts: true } }),
        runId ? prisma.run.findUnique({ where: { id: runId }, select: { status: true } }) : null,
      ]);
      if (!job || job.status === 'CANCELLED' || (runId && (!run || run.status === 'CANCELLED'))) return 'cancelled';
      if (job.status !== 'RUNNING' || job.attempts !== attempt) return 'superseded';
      await prisma.job.updateMany({ where: { id: jobId, status: 'RUNNING', attempts: attempt }, data: { lastHeartbeat: new Date() } });
      return 'ok';
    },

    /** Returns how the job ended: a run cancelled in the last moments stays CANCELLED. */
    async succeed(jobId: string, runId: string | null): Promise<'SUCCEEDED' | 'CANCELLED'> {
      if (runId) {
        const { count } = await prisma.run.updateMany({ where: { id: runId, status: ACTIVE }, data: { status: 'SUCCEEDED', finishedAt: new Date() } });
        if (count === 0) {
          // Another delivery of this job finished the run first: the job agrees, with no second event.
          const run = await prisma.run.findUnique({ where: { id: runId }, select: { status: true } });
          if (run?.status === 'SUCCEEDED') {
            await prisma.job.updateMany({ where: { id: jobId, status: ACTIVE }, data: { status: 'SUCCEEDED' } });
            return 'SUCCEEDED';
          }
          // Cancelled in the last moments: the cancellation stands.
          await cancel(jobId, runId);
          return 'CANCELLED';
        }
      }
      await prisma.job.updateMany({ where: { id: jobId, status: ACTIVE }, data: { status: 'SUCCEEDED' } });
      if (runId) publish(runId, 'SUCCEEDED');
      return 'SUCCEEDED';
    },

    async fail(jobId: string, runId: string | null, error: string): Promise<void> {
      await prisma.job.updateMany({ where: { id: jobId, status: ACTIVE }, data: { status: 'FAILED', error } });
      if (!runId) return;
      const { count } = await prisma.run.updateMany({ where: { id: runId, status: ACTIVE }, data: { status: 'FAILED', error, finishedAt: new Date() } });
      if (count > 0) publish(runId, 'FAILED', error);
    },

    /** Back to the queue after a retryable failure; only this delivery's own RUNNING row. */
    /** False when the job is no longer this delivery's (another worker's attempt, or settled). */
    async requeue(jobId: string, attempt: number, error: string): Promise<boolean> {
      const { count } = await prisma.job.updateMany({ where: { id: jobId, status: 'RUNNING', attempts: attempt, workerId }, data: { status: 'QUEUED', error } });
      return count === 1;
    },
  };
}

export type StatusStore = ReturnType<typeof createStatusStore>;
