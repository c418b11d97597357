// Events that workers publish and every gateway instance receives. They are notifications, not
// records: workers write the durable state (metrics, status) to Postgres before publishing.

import type { JobEnd, JobKind } from './jobs.js';

export const RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Language-pair composition of one batch, e.g. { "en-de": 12, "fr-fr": 4 } (query-passage). */
export type BatchComposition = Record<string, number>;

export interface ProgressEvent {
  type: 'progress';
  runId: string;
  step: number;
  totalSteps: number;
  loss: number;
  learningRate: number;
  pairsPerSecond: number;
  status: RunStatus;
  batchComposition: BatchComposition;
  /** Loss on the held-out validation groups, at the steps where it was computed. */
  validationLoss?: number;
  /** Headline numbers of a periodic validation on an evaluation suite, at the steps where it ran. */
  validation?: ValidationSnapshot;
  at: string;
}

/** Headlines keyed `<setting>.<metric>` as in schema/evaluation.ts Headlines, estimates only. */
export interface ValidationSnapshot {
  suite: string;
  headlines: Record<string, number>;
}

export interface RunStatusEvent {
  type: 'runStatus';
  runId: string;
  status: RunStatus;
  error: string | null;
  at: string;
}

/** Sent by a gateway; the worker running the run stops it at the next step. */
export interface CancelRunEvent {
  type: 'cancelRun';
  runId: string;
  at: string;
}

/** How far a job without a run has come (PULL jobs report it); the latest one is also stored on the Job row. */
export interface JobProgressEvent {
  type: 'jobProgress';
  jobId: string;
  kind: JobKind;
  done: number;
  total: number;
  unit: 'bytes' | 'items';
  /** What is being worked on, e.g. the file being downloaded. */
  detail: string;
  at: string;
}

/** A job ended (every kind; a TRAIN job's run also announces its own runStatus). */
export interface JobStatusEvent {
  type: 'jobStatus';
  jobId: string;
  kind: JobKind;
  status: JobEnd;
  error: string | null;
  at: string;
}

export type PlatformEvent = ProgressEvent | RunStatusEvent | CancelRunEvent | JobProgressEvent | JobStatusEvent;

/** The run or job an event is about: the last token of its NATS subject. */
export function eventSubjectKey(event: PlatformEvent): string {
  switch (event.type) {
    case 'progress':
    case 'runStatus':
    case 'cancelRun':
      return event.runId;
    case 'jobProgress':
    case 'jobStatus':
      return event.jobId;
    default:
      return assertNever(event);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected variant: ${JSON.stringify(value)}`);
}
