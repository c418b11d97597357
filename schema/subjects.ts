// NATS subject and stream names. Every name derives from one prefix so that tests (and several
// deployments sharing one NATS) use disjoint namespaces.

import type { JobKind } from './jobs.js';
import { eventSubjectKey, type PlatformEvent } from './events.js';

export interface Subjects {
  /** JetStream work-queue stream holding jobs. */
  jobStream: string;
  /** Durable pull consumer shared by all workers. */
  jobConsumer: string;
  jobs: (kind: JobKind) => string;
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
    jobConsumer: `${prefix}-workers`,
    jobs: (kind) => `${prefix}.jobs.${kind.toLowerCase()}`,
    jobsAll: `${prefix}.jobs.>`,
    event: (event) => `${prefix}.events.${event.type}.${eventSubjectKey(event)}`,
    eventsAll: `${prefix}.events.>`,
    serving: `${prefix}.serving`,
    servingQueue: `${prefix}-serving`,
  };
}
