// What job handlers receive and return. A handler does the work of one job kind; the runner
// (runner.ts) owns the delivery, the Job/Run status transitions and the heartbeat around it.

import type { Job, Run } from '../../prisma/generated/client.js';

/** Why a job's signal was aborted. */
export type AbortReason =
  /** The run was cancelled (cancelRun event, or CANCELLED seen at a heartbeat). */
  | { kind: 'cancelled' }
  /** This worker is stopping; the job goes to another worker. */
  | { kind: 'shutdown' }
  /** Another delivery of the same job has taken over (this one missed its ack deadline). */
  | { kind: 'superseded' };

export interface JobContext {
  job: Job;
  run: Run | null;
  attempt: number;
  /** Checked between units of work; its reason is an AbortReason. */
  signal: AbortSignal;
}

export type JobOutcome = { kind: 'succeeded' } | { kind: 'aborted' };

/** Throws JobError (schema/jobs.ts) to fail; any other error counts as retryable. */
export type JobHandler = (context: JobContext) => Promise<JobOutcome>;

export const abortReasonOf = (signal: AbortSignal): AbortReason | undefined =>
  signal.aborted ? (signal.reason as AbortReason) : undefined;
