// Job messages travel on the work queue. They carry identifiers only: the Job and Run rows in
// Postgres are the source of truth, so a redelivered message always sees the latest state.

import type { WorkerClass } from './capabilities.js';

export const JOB_KINDS = ['TRAIN', 'EMBED', 'EVALUATE', 'REPORT', 'PULL'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** How a job ends. */
export type JobEnd = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface JobMessage {
  jobId: string;
  kind: JobKind;
  runId?: string;
  /** The queue of workers that may take it (schema/capabilities.ts); absent: cpu, any worker. */
  workerClass?: WorkerClass;
}

/** A failure the worker reports for a job. Retryable ones are redelivered until attempts run out. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'JobError';
  }
}

export const nonRetryable = (message: string) => new JobError(message, false);
export const retryable = (message: string) => new JobError(message, true);
