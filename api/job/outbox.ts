// Transactional outbox for job messages. The Job row is the record; the queue message is only a
// wake-up call. A job still QUEUED after a while may never have reached the queue (publish failed,
// or the gateway died between commit and publish), so it is published again. Publishing is
// deduplicated by jobId within the bus's window, and each republish of the same job waits twice
// as long as the previous one, so a job that simply waits for a free worker adds at most a few
// duplicate messages, which the worker skips because the row is no longer QUEUED.

import type { PrismaClient } from '../../prisma/generated/client.js';
import type { Bus } from '../../schema/bus.js';
import type { JobMessage } from '../../schema/jobs.js';

export interface Publisher {
  bus: Bus;
  log: (line: string) => void;
}

/** Returns whether the message reached the queue; failures are logged, not thrown. */
export async function publishJob({ bus, log }: Publisher, message: JobMessage): Promise<boolean> {
  try {
    await bus.jobs.publish(message);
    return true;
  } catch (error) {
    log(`job ${message.jobId}: publish failed, the outbox will retry: ${String(error)}`);
    return false;
  }
}

export interface OutboxCandidate {
  createdAt: Date;
  /** Touched by each republish, so it marks the last publish attempt. */
  updatedAt: Date;
}

export function dueForRepublish(job: OutboxCandidate, now: number, minAgeMs: number): boolean {
  const sinceLastPublish = now - job.updatedAt.getTime();
  const previousWait = job.updatedAt.getTime() - job.createdAt.getTime();
  return sinceLastPublish >= Math.max(minAgeMs, previousWait);
}

export interface OutboxOptions extends Publisher {
  prisma: PrismaClient;
  intervalMs: number;
  minAgeMs: number;
  /** Jobs looked at per sweep, oldest first. */
  batch?: number;
}

export interface Outbox {
  /** Publishes due jobs once; returns how many were published. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

export function startOutbox(options: OutboxOptions): Outbox {
  const { prisma, minAgeMs, log } = options;
  const batch = options.batch ?? 200;
  let running: Promise<number> | undefined;
  let stopped = false;

  const sweepOnce = async (): Promise<number> => {
    const now = Date.now();
    const candidates = await prisma.job.findMany({
      where: { status: 'QUEUED', updatedAt: { lte: new Date(now - minAgeMs) } },
      orderBy: { createdAt: 'asc' },
      take: batch,
      select: { id: true, kind: true, runId: true, createdAt: true, updatedAt: true },
    });
    let published = 0;
    for (const job of candidates) {
      if (stopped) break;
      if (!dueForRepublish(job, now, minAgeMs)) continue;
      const message: JobMessage = job.runId === null ? { jobId: job.id, kind: job.kind } : { jobId: job.id, kind: job.kind, runId: job.runId };
      if (!(await publishJob(options, message))) continue;
      published += 1;
      await prisma.job.updateMany({ where: { id: job.id, status: 'QUEUED' }, data: { updatedAt: new Date() } });
    }
    return published;
  };

  const sweep = (): Promise<number> => {
    running ??= sweepOnce().finally(() => (running = undefined));
    return running;
  };

  const tick = () => {
    sweep().catch((error: unknown) => log(`outbox sweep failed: ${String(error)}`));
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  tick();

  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
