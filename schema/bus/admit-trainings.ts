// Admits held TRAIN jobs into the work queue (the policy is schema/admission.ts). The gateway and
// every worker call it when a slot may have freed; one transaction-scoped advisory lock makes the
// decision and its publishes one step, so two callers never admit past a limit. A publish that
// fails leaves the job held, and the next call admits it again (the bus deduplicates by job id).

import type { PrismaClient } from '../../prisma/generated/client.js';
import { chooseAdmissions, DEFAULT_TRAINING_QUEUE_DEPTH, type TrainingEntry } from '../admission.js';
import { jobClass } from '../capabilities.js';
import { sweepSettingsOf } from '../sweep.js';
import { publishJob, type Publisher } from './publish-job.js';

/** Any 64-bit constant that no other advisory lock of the platform uses. */
const ADMISSION_LOCK = 7_146_532_019n;

export interface AdmissionPublisher extends Publisher {
  /** Admitted trainings not yet started, per worker class (TRAINING_QUEUE_DEPTH). */
  trainingQueueDepth?: number;
}

/** Returns how many jobs were admitted. */
export async function admitTrainings(publisher: AdmissionPublisher): Promise<number> {
  const depth = publisher.trainingQueueDepth ?? DEFAULT_TRAINING_QUEUE_DEPTH;
  return publisher.prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMISSION_LOCK})`;
      const rows = await tx.job.findMany({
        where: { kind: 'TRAIN', status: { in: ['QUEUED', 'RUNNING'] } },
        select: { id: true, status: true, publishedAt: true, requirements: true, priority: true, createdAt: true, idempotencyKey: true, experimentId: true, runId: true, run: { select: { createdByKeyId: true } } },
      });
      if (!rows.some((r) => r.status === 'QUEUED' && r.publishedAt === null)) return 0;
      const groups = [...new Set(rows.map((r) => r.experimentId).filter((id): id is string => id !== null))];
      const plans = groups.length === 0 ? [] : await tx.experiment.findMany({ where: { id: { in: groups } }, select: { id: true, plan: true, status: true } });
      const groupCaps = new Map<string, number>();
      for (const { id, plan, status } of plans) {
        const settings = sweepSettingsOf(plan);
        // A sweep that ended (cancelled while its trials are being cancelled) admits nothing more.
        if (settings) groupCaps.set(id, status === 'RUNNING' ? settings.maxParallel : 0);
      }
      const entries: TrainingEntry[] = rows.map((r) => ({
        id: r.id,
        state: r.status === 'RUNNING' ? 'running' : r.publishedAt === null ? 'held' : 'admitted',
        workerClass: jobClass('TRAIN', r.requirements),
        priority: r.priority,
        share: r.run?.createdByKeyId ?? 'open',
        group: r.experimentId !== null && groupCaps.has(r.experimentId) ? r.experimentId : null,
        createdAt: r.createdAt.getTime(),
        key: r.idempotencyKey,
      }));
      const byId = new Map(rows.map((r) => [r.id, r]));
      let admitted = 0;
      // The lock is held while publishing: the queue and the rows agree when the next caller looks.
      const inTransaction = { ...publisher, prisma: tx as unknown as PrismaClient };
      for (const id of chooseAdmissions(entries, { depth, groupCaps })) {
        const row = byId.get(id)!;
        const sent = await publishJob(inTransaction, { jobId: id, kind: 'TRAIN', ...(row.runId ? { runId: row.runId } : {}) });
        if (!sent) break;
        admitted++;
      }
      return admitted;
    },
    { timeout: 30_000, maxWait: 30_000 },
  );
}

/** For callers that must not fail because admission did (it runs again on the next occasion). */
export async function tryAdmitTrainings(publisher: AdmissionPublisher): Promise<void> {
  await admitTrainings(publisher).catch((error: unknown) => publisher.log(`admitting trainings failed, retried on the next occasion: ${String(error)}`));
}

/**
 * Admitted trainings whose message the queue will never deliver (its deliveries ran out while the
 * worker could record nothing, e.g. with the database down) would hold their class's admission
 * slots for ever: the gateway's outbox looks for those untouched for `staleMs` (longer than every
 * delivery could take, and than the bus's duplicate window, so the new publish is not dropped as a
 * duplicate), removes what is left of the message and holds the job again, to be admitted anew.
 * Returns how many it took back.
 */
export async function reclaimAbandonedTrainings(publisher: Publisher, staleMs: number): Promise<number> {
  const { prisma, bus, log } = publisher;
  const stale = await prisma.job.findMany({
    where: { kind: 'TRAIN', status: 'QUEUED', publishedAt: { not: null }, updatedAt: { lt: new Date(Date.now() - staleMs) } },
    select: { id: true, queueSeq: true, requirements: true, updatedAt: true },
    orderBy: { updatedAt: 'asc' },
    take: 50,
  });
  let reclaimed = 0;
  for (const job of stale) {
    const seq = job.queueSeq === null ? null : Number(job.queueSeq);
    if (!(await bus.jobs.abandoned({ jobId: job.id, seq, workerClass: jobClass('TRAIN', job.requirements) }))) continue;
    await bus.jobs.withdraw({ jobId: job.id, seq });
    // Only if untouched since it was read: a worker that started it meanwhile keeps it.
    const { count } = await prisma.job.updateMany({ where: { id: job.id, status: 'QUEUED', updatedAt: job.updatedAt }, data: { publishedAt: null, queueSeq: null } });
    if (count === 1) {
      reclaimed++;
      log(`job ${job.id}: its queue message was delivered and never settled; held again for admission`);
    }
  }
  return reclaimed;
}

/** How long an admitted, untouched training may wait before its message is checked: every delivery, the duplicate window, a margin. */
export const reclaimAfterMs = (settings: { ackWaitMs: number; maxDeliveries: number }) => settings.ackWaitMs * (settings.maxDeliveries + 1) + 180_000;
