// Publishing one job message after its Job row is committed: the half of the transactional
// outbox that both the gateway and workers (chaining experiment jobs) run. A failed publish
// leaves publishedAt null, and the gateway's outbox (api/job/outbox.ts) publishes the job later.

import type { PrismaClient } from '../../prisma/generated/client.js';
import type { Bus } from '../bus.js';
import type { JobMessage } from '../jobs.js';
import { jobClass } from '../capabilities.js';

export interface Publisher {
  prisma: PrismaClient;
  bus: Bus;
  log: (line: string) => void;
}

/** Publishes and marks the job published; returns whether it reached the queue. Failures are logged, not thrown. */
export async function publishJob({ bus, log, prisma }: Publisher, message: JobMessage): Promise<boolean> {
  let seq: number | undefined;
  try {
    // The class comes from the Job row, so every publisher (the request, the outbox, a worker
    // chaining experiment jobs) routes a job the same way.
    const row = message.workerClass ? null : await prisma.job.findUnique({ where: { id: message.jobId }, select: { requirements: true } });
    const workerClass = message.workerClass ?? jobClass(message.kind, row?.requirements);
    // cpu is what a message without a class means: it stays as it was.
    seq = await bus.jobs.publish(workerClass === 'cpu' ? message : { ...message, workerClass });
  } catch (error) {
    log(`job ${message.jobId}: publish failed, the outbox will retry: ${String(error)}`);
    return false;
  }
  await prisma.job.updateMany({
    where: { id: message.jobId, publishedAt: null },
    data: { publishedAt: new Date(), ...(typeof seq === 'number' ? { queueSeq: BigInt(seq) } : {}) },
  });
  return true;
}
