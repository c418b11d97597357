// The two transports of the platform, as interfaces. NATS JetStream (schema/bus/nats.ts) serves
// clusters; the in-process bus (schema/bus/memory.ts) serves embedded mode with the same semantics:
// at-least-once delivery, redelivery after a missed heartbeat, deduplication by job id.

import type { JobMessage } from './jobs.js';
import type { PlatformEvent } from './events.js';

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
}

export interface ConsumeOptions {
  /** Jobs handled at the same time by this consumer. */
  concurrency: number;
}

export interface JobConsumer {
  /** Stops pulling; waits for in-flight handlers when `drain`, else abandons them for redelivery. */
  stop(options?: { drain?: boolean }): Promise<void>;
}

export interface JobQueue {
  /** Publishes once per jobId: a second publish of the same jobId is dropped. */
  publish(message: JobMessage): Promise<void>;
  consume(handler: (delivery: JobDelivery) => Promise<void>, options: ConsumeOptions): JobConsumer;
}

export interface EventBus {
  publish(event: PlatformEvent): void;
  subscribe(handler: (event: PlatformEvent) => void): () => void;
}

/** What both apps receive: the transports, and a way to close them. */
export interface Bus {
  jobs: JobQueue;
  events: EventBus;
  /** Maximum deliveries of one job before it is failed for good. */
  readonly maxDeliveries: number;
  close(): Promise<void>;
}
