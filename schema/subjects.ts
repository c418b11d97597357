// NATS subject and stream names. Every name derives from one prefix so that tests (and several
// deployments sharing one NATS) use disjoint namespaces.

import type { WorkerClass } from './capabilities.js';
import type { JobKind } from './jobs.js';
import { eventSubjectKey, type PlatformEvent } from './events.js';

export interface Subjects {
  /** JetStream work-queue stream holding jobs. */
  jobStream: string;
  /**
   * Durable pull consumer of one worker class, shared by the workers that serve it, reading only
   * that class's subjects (a work-queue stream allows several consumers when their filters do not
   * overlap, which nats-server 2.9 supports).
   */
  jobConsumer: (workerClass: WorkerClass) => string;
  /** The consumer of earlier versions, on every job subject; removed when found (its filter overlaps). */
  legacyJobConsumer: string;
  jobs: (kind: JobKind, workerClass: WorkerClass) => string;
  jobsOfClass: (workerClass: WorkerClass) => string;
  jobsAll: string;
  /** Core NATS subjects for fan-out to every gateway and worker. */
  event: (event: PlatformEvent) => string;
  eventsAll: string;
  /** Core NATS request-reply subject of query serving, and the queue group of its workers. */
  serving: string;
  servingQueue: string;
}

export function subjectsFor(prefix = 'xling'): Subjects {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`invalid NATS prefix "${prefix}"`);
  return {
    jobStream: `${prefix.toUpperCase().replace(/-/g, '_')}_JOBS`,
    jobConsumer: (workerClass) => `${prefix}-workers-${workerClass}`,
    legacyJobConsumer: `${prefix}-workers`,
    jobs: (kind, workerClass) => `${prefix}.jobs.${workerClass}.${kind.toLowerCase()}`,
    jobsOfClass: (workerClass) => `${prefix}.jobs.${workerClass}.>`,
    jobsAll: `${prefix}.jobs.>`,
    event: (event) => `${prefix}.events.${event.type}.${eventSubjectKey(event)}`,
    eventsAll: `${prefix}.events.>`,
    serving: `${prefix}.serving`,
    servingQueue: `${prefix}-serving`,
  };
}
