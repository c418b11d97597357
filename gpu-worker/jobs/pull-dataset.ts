// PULL jobs: put a catalog dataset's files into this worker's data folder, as `npm run data --
// pull` does (gpu-worker/data/pull.ts: resume, retries, sha256, atomic placement, DATA_MIRROR).
// Progress goes out as jobProgress events and onto the Job row (a client that connects late reads
// it there). Files already present are verified and kept, so a redelivery just carries on.

import type { PrismaClient } from '../../prisma/generated/client.js';
import type { EventBus } from '../../schema/bus.js';
import { manifestOf } from '../../schema/data-sources.js';
import type { JobProgressEvent } from '../../schema/events.js';
import { nonRetryable, retryable } from '../../schema/jobs.js';
import { createPuller, PullError } from '../data/pull.js';
import type { JobHandler } from './types.js';

export interface PullDatasetDeps {
  prisma: PrismaClient;
  events: EventBus;
  dataDir: string;
  /** DATA_MIRROR: a base URL or a local folder; null: each file's GitHub source. */
  mirror: string | null;
  log: (line: string) => void;
  /** Least time between two progress reports (default 500 ms); the first and last always go out. */
  progressEveryMs?: number;
  /** For tests: idle timeout and retry pace of the transfers. */
  transfer?: { idleTimeoutMs?: number; attempts?: number; backoffMs?: number };
}

/** The payload the gateway writes (api/dataset/pull.service.ts). */
export function parsePullPayload(payload: unknown): { dataset: string } {
  const dataset = (payload as { dataset?: unknown } | null)?.dataset;
  if (typeof dataset !== 'string') throw nonRetryable('PULL payload: no dataset name');
  return { dataset };
}

export function createPullDatasetJob(deps: PullDatasetDeps): JobHandler {
  const { prisma, events, log, progressEveryMs = 500 } = deps;
  return async ({ job, signal }) => {
    const { dataset } = parsePullPayload(job.payload);
    const folder = manifestOf(dataset);
    if (!folder) throw nonRetryable(`${dataset} has no recorded source to download it from`);
    const total = folder.files.reduce((sum, f) => sum + f.size, 0);
    let finished = 0;
    let lastReport = -Infinity;
    let pending: Promise<unknown> = Promise.resolve();
    const report = (done: number, detail: string, force = false) => {
      const now = Date.now();
      if (!force && now - lastReport < progressEveryMs) return;
      lastReport = now;
      const event: JobProgressEvent = { type: 'jobProgress', jobId: job.id, kind: 'PULL', done, total, unit: 'bytes', detail, at: new Date(now).toISOString() };
      const { type: _type, jobId: _jobId, kind: _kind, ...progress } = event;
      // Stored before it is announced, in order: a later write never lands before an earlier one.
      pending = pending.then(() => prisma.job.updateMany({ where: { id: job.id, status: 'RUNNING' }, data: { progress } })).then(() => events.publish(event), () => events.publish(event));
    };
    const puller = createPuller({
      dataDir: deps.dataDir,
      mirror: deps.mirror,
      signal,
      ...deps.transfer,
      onProgress: ({ file, received }) => report(finished + received, file),
    });
    report(0, folder.files[0]?.file ?? dataset, true);
    try {
      for (const f of folder.files) {
        if (signal.aborted) return { kind: 'aborted' };
        const pulled = await puller.pull(f);
        finished += f.size;
        report(finished, f.file, finished === total);
        log(`job ${job.id}: ${f.file} ${pulled.outcome === 'already' ? 'already present' : `downloaded (${pulled.bytes} bytes)`}`);
      }
    } catch (error) {
      if (signal.aborted) return { kind: 'aborted' };
      // Job.error is shown to every reader: the file relative to the data folder and the reason,
      // never the mirror's folder or address nor a file system path (those go to the log).
      log(`job ${job.id}: ${dataset}: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof PullError) {
        const shown = `${error.file}: ${error.reason}`;
        // Retrying cannot fix a missing file at the source or a checksum that never matches; transfer
        // failures are retried with the job's deliveries, resuming from the kept partial file.
        throw error.transient ? retryable(shown) : nonRetryable(shown);
      }
      const code = (error as NodeJS.ErrnoException).code;
      throw retryable(`${dataset}: could not write into the data folder${code ? ` (${code})` : ''}`);
    } finally {
      await pending;
    }
    return { kind: 'succeeded' };
  };
}
