// The gateway's in-process PubSub, fed from the bus. Every gateway instance subscribes to the
// bus itself, so a client connected to any instance sees the events of every worker.

import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import type { EventBus } from '../schema/bus.js';
import { assertNever, type JobProgressEvent, type JobStatusEvent, type ProgressEvent, type RunStatusEvent } from '../schema/events.js';
import { createRunEventRecovery, type RunEventRecoveryOptions } from './run-event-recovery.js';

export type RunEvent = ProgressEvent | RunStatusEvent;
export type JobEvent = JobProgressEvent | JobStatusEvent;

export type GatewayTopics = {
  /** Progress and status of one run, keyed by run id. */
  RUN_EVENT: [runId: string, event: RunEvent];
  /** Status changes of all runs. */
  RUN_STATUS: [event: RunStatusEvent];
  /** Progress and end of one job, keyed by job id. */
  JOB_EVENT: [jobId: string, event: JobEvent];
};

export type GatewayPubSub = PubSub<GatewayTopics>;

export const createGatewayPubSub = (): GatewayPubSub => createPubSub<GatewayTopics>();

/**
 * Forwards bus events into the PubSub; returns the unsubscribe function. With `recovery`, run
 * events the bus lost (the gateway cut off from NATS for a while) are read back from the
 * database (api/run-event-recovery.ts).
 */
export function bridgeEvents(events: EventBus, pubSub: GatewayPubSub, recovery?: RunEventRecoveryOptions): () => void {
  const forwardRun = (event: RunEvent) => {
    pubSub.publish('RUN_EVENT', event.runId, event);
    if (event.type === 'runStatus') pubSub.publish('RUN_STATUS', event);
  };
  const runs = recovery ? createRunEventRecovery(recovery, forwardRun) : undefined;
  const unsubscribe = events.subscribe((event) => {
    switch (event.type) {
      case 'progress':
      case 'runStatus':
        if (runs) runs.receive(event);
        else forwardRun(event);
        return;
      case 'cancelRun':
        return; // addressed to workers
      case 'jobProgress':
      case 'jobStatus':
        pubSub.publish('JOB_EVENT', event.jobId, event);
        return;
      default:
        assertNever(event);
    }
  });
  return () => {
    unsubscribe();
    runs?.stop();
  };
}
