// jobProgress: the progress stored on the Job row first (a client that connects late misses
// nothing but intermediate steps), then live events from the bus, until the job ends.
// As for trainingProgress, the live subscription opens before the row is read, and live events
// older than what was sent are dropped.

import type { Job as JobRow } from '../../prisma/generated/client.js';
import { assertNever } from '../../schema/events.js';
import { createAsyncQueue } from '../async-queue.js';
import type { GatewayServices } from '../context.js';
import { notFound } from '../errors.js';
import type { JobEvent } from '../pubsub.js';
import type { JobProgress } from './progress.type.js';

type JobStatus = JobRow['status'];
const ENDED: ReadonlySet<JobStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

interface StoredProgress {
  done: number;
  total: number;
  unit: string;
  detail: string;
  at: string;
}

/** The progress stored on a Job row, or null before the first report. */
export function storedProgress(job: Pick<JobRow, 'id' | 'status' | 'error'> & { progress?: unknown }): JobProgress | null {
  const p = job.progress as StoredProgress | null;
  if (!p || typeof p.done !== 'number') return null;
  return { jobId: job.id, status: job.status, done: p.done, total: p.total, unit: p.unit, detail: p.detail, error: ENDED.has(job.status) ? job.error : null, at: new Date(p.at) };
}

export async function openJobProgressStream(services: GatewayServices, jobId: string): Promise<AsyncIterableIterator<JobProgress>> {
  const { prisma, pubSub } = services;
  const live = pubSub.subscribe('JOB_EVENT', jobId);
  const out = createAsyncQueue<JobProgress>(() => void live.return());
  const early: JobEvent[] = [];
  let last: JobProgress | null | undefined;

  const deliver = (event: JobEvent) => {
    if (last === undefined) return void early.push(event);
    switch (event.type) {
      case 'jobProgress': {
        const at = new Date(event.at);
        if (last && at <= last.at) return;
        last = { jobId, status: 'RUNNING', done: event.done, total: event.total, unit: event.unit, detail: event.detail, error: null, at };
        return out.push(last);
      }
      case 'jobStatus':
        out.push({ jobId, done: last?.done ?? 0, total: last?.total ?? 0, unit: last?.unit ?? 'bytes', detail: last?.detail ?? '', status: event.status, error: event.error, at: new Date(event.at) });
        return out.end();
      default:
        return assertNever(event);
    }
  };
  const pump = (async () => {
    for await (const event of live) deliver(event);
  })();
  pump.catch((error: unknown) => out.end(error));

  try {
    const job = await prisma.job.findUnique({ where: { id: jobId }, select: { id: true, status: true, error: true, progress: true, updatedAt: true } });
    if (!job) throw notFound('job', 'jobId', jobId);
    const stored = storedProgress(job);
    if (ENDED.has(job.status)) {
      out.push({ ...(stored ?? { jobId, done: 0, total: 0, unit: 'bytes', detail: '' }), status: job.status, error: job.error, at: job.updatedAt });
      out.end();
    } else {
      if (stored) out.push(stored);
      last = stored;
      early.splice(0).forEach(deliver);
    }
  } catch (error) {
    out.end(error);
  }
  return out;
}
