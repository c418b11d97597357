// Transactional outbox for job messages. The Job row is the record; the queue message only wakes
// a worker. A job whose message never reached the queue (publish failed, or the gateway died
// between commit and publish) has no publishedAt, and the outbox publishes it. Jobs already
// published are never republished: a duplicate message would start a second copy of a job that is
// merely waiting for a free worker. Publishing is deduplicated by jobId, so a publish whose
// publishedAt write was lost is harmless.

import { admitTrainings, reclaimAbandonedTrainings, type AdmissionPublisher } from '../../schema/bus/admit-trainings.js';
import { publishJob } from '../../schema/bus/publish-job.js';
import type { JobMessage } from '../../schema/jobs.js';

export { publishJob, type Publisher } from '../../schema/bus/publish-job.js';

export interface OutboxOptions extends AdmissionPublisher {
  intervalMs: number;
  minAgeMs: number;
  /** Jobs looked at per sweep, oldest first. */
  batch?: number;
  /** Admitted trainings untouched this long have their queue message checked (reclaimAbandonedTrainings); absent: never. */
  reclaimAfterMs?: number;
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
      // minAgeMs leaves the request that created a job time to publish it itself.
      // TRAIN jobs wait for admission (schema/admission.ts), which runs below.
      where: { status: 'QUEUED', publishedAt: null, kind: { not: 'TRAIN' }, createdAt: { lte: new Date(now - minAgeMs) } },
      orderBy: { createdAt: 'asc' },
      take: batch,
      select: { id: true, kind: true, runId: true },
    });
    let published = 0;
    for (const job of candidates) {
      if (stopped) break;
      const message: JobMessage = job.runId === null ? { jobId: job.id, kind: job.kind } : { jobId: job.id, kind: job.kind, runId: job.runId };
      if (await publishJob(options, message)) published += 1;
    }
    if (!stopped && options.reclaimAfterMs !== undefined) await reclaimAbandonedTrainings(options, options.reclaimAfterMs);
    if (!stopped) published += await admitTrainings(options);
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
