// The two transports of the platform, as interfaces. NATS JetStream (schema/bus/nats.ts) serves
// clusters; the in-process bus (schema/bus/memory.ts) serves embedded mode with the same semantics:
// at-least-once delivery, redelivery after a missed heartbeat, deduplication by job id.

import type { WorkerClass } from './capabilities.js';
import type { JobMessage } from './jobs.js';
import type { PlatformEvent } from './events.js';
import type { ServingReply, ServingRequest } from './serving.js';

export interface JobDelivery {
  readonly message: JobMessage;
  /** 1-based delivery count of this message. */
  readonly attempt: number;
  /** Extends the ack deadline; call while working on a long job. */
  heartbeat(): void;
  /** Done: the job leaves the queue. */
  ack(): Promise<void>;
  /** Give the job back for redelivery (after delayMs). */
  retry(delayMs?: number): void;
  /** Remove the job from the queue without redelivery. */
  reject(): void;
  /**
   * Stop handling this delivery and tell the queue nothing: another worker holds the job now (its
   * redelivery), and a nak or term would act on that worker's delivery of the same message.
   */
  release(): void;
}

export interface ConsumeOptions {
  /** Jobs handled at the same time by this consumer. */
  concurrency: number;
  /** The worker classes whose jobs it takes, preferred in this order; default ["interactive", "cpu"]. */
  classes?: readonly WorkerClass[];
}

export interface JobConsumer {
  /** Stops pulling; waits for in-flight handlers when `drain`, else abandons them for redelivery. */
  stop(options?: { drain?: boolean }): Promise<void>;
}

/** What waits in the job queue: for metrics and autoscaling (KEDA scales on the same JetStream numbers). */
export interface QueueStats {
  /** Published, not yet delivered to any worker (JetStream: the consumer's num_pending, its lag). */
  pending: number;
  /** Delivered, not yet acknowledged: jobs being worked on (num_ack_pending). */
  inFlight: number;
}

export interface JobQueue {
  /**
   * Publishes once per jobId: a second publish of the same jobId is dropped. Resolves to the
   * message's position in the queue where the transport has one (JetStream's stream sequence),
   * which withdraw() takes.
   */
  publish(message: JobMessage): Promise<number | undefined>;
  /** Removes a job's message that no worker has taken yet (a cancelled QUEUED job); false when it is not there. */
  withdraw(job: { jobId: string; seq?: number | null }): Promise<boolean>;
  /**
   * Whether the queue will never deliver this job's message (again) though no worker settled it:
   * it is gone, or it was delivered and given up on (its deliveries ran out while its worker could
   * not record anything). A message delivered moments ago and being worked on also counts: callers
   * ask only about jobs no worker touched for longer than the deliveries could take.
   */
  abandoned(job: { jobId: string; seq?: number | null; workerClass: WorkerClass }): Promise<boolean>;
  consume(handler: (delivery: JobDelivery) => Promise<void>, options: ConsumeOptions): JobConsumer;
  stats(): Promise<QueueStats>;
}

export interface EventBus {
  publish(event: PlatformEvent): void;
  subscribe(handler: (event: PlatformEvent) => void): () => void;
}

/**
 * Request-reply between the gateway and the workers that serve queries (schema/serving.ts). Each
 * request reaches one serving worker (a queue group); nothing is persisted: a request that no
 * worker answers fails fast instead of waiting in a queue behind training jobs.
 */
export interface ServingBus {
  /** Rejects with ServingUnavailableError when no worker serves, or none answers in time. */
  request<R extends ServingRequest>(request: R, options: { timeoutMs: number }): Promise<ServingReply<R['kind']>>;
  /** Answers requests from now on; a handler must not throw (failures are replies). */
  serve(handler: (request: ServingRequest) => Promise<ServingReply>): ServingEndpoint;
}

export interface ServingEndpoint {
  /** Takes no new requests, then waits for the answers under way. */
  stop(): Promise<void>;
}

export type ServingUnavailableReason = 'no-worker' | 'timeout';

export class ServingUnavailableError extends Error {
  constructor(
    readonly reason: ServingUnavailableReason,
    message: string,
  ) {
    super(message);
    this.name = 'ServingUnavailableError';
  }
}

/** What both apps receive: the transports, and a way to close them. */
export interface Bus {
  jobs: JobQueue;
  events: EventBus;
  serving: ServingBus;
  /** Maximum deliveries of one job before it is failed for good. */
  readonly maxDeliveries: number;
  close(): Promise<void>;
}
