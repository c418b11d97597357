// In-process bus for embedded mode, with the semantics of the NATS bus (schema/bus/nats.ts):
// publish dedup by jobId within a window, at-least-once delivery, redelivery when a lease misses
// its ack deadline, at most maxDeliveries + 1 deliveries (the last one lets the worker see
// attempt > maxDeliveries and fail the job), bounded concurrency, asynchronous event fan-out.
// Messages are copied through JSON as on the wire, so no one shares objects with a publisher.

import { ServingUnavailableError, type Bus, type JobConsumer, type JobDelivery } from '../bus.js';
import { DEFAULT_CONSUMER_CLASSES, type WorkerClass } from '../capabilities.js';
import type { ServingReply, ServingRequest } from '../serving.js';
import { answer, type ServingHandler } from './serving.js';
import type { JobMessage } from '../jobs.js';
import type { PlatformEvent } from '../events.js';

export interface MemoryBusOptions {
  maxDeliveries: number;
  ackWaitMs: number;
  /** Same role as the JetStream duplicate window; default 2 minutes like the NATS server's. */
  duplicateWindowMs?: number;
}

interface Entry {
  message: JobMessage;
  deliveries: number;
  readyAt: number;
}

interface Lease {
  entry: Entry;
  active: boolean;
  timer: NodeJS.Timeout;
}

interface Slotted {
  handler: (delivery: JobDelivery) => Promise<void>;
  concurrency: number;
  classes: readonly WorkerClass[];
  stopped: boolean;
  running: Set<Promise<void>>;
  leases: Set<Lease>;
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createMemoryBus(options: MemoryBusOptions): Bus {
  const { maxDeliveries, ackWaitMs } = options;
  const duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
  const queue: Entry[] = [];
  const published = new Map<string, number>();
  const consumers: Slotted[] = [];
  const subscribers = new Set<(event: PlatformEvent) => void>();
  let wakeTimer: NodeJS.Timeout | undefined;
  let nextConsumer = 0;
  let closed = false;
  const servers: Array<{ handler: ServingHandler; stopped: boolean; running: Set<Promise<unknown>> }> = [];
  let nextServer = 0;

  function requeue(entry: Entry, delayMs: number): void {
    // Past the last allowed delivery the job is dropped, as JetStream stops redelivering it.
    if (entry.deliveries > maxDeliveries) return;
    entry.readyAt = Date.now() + delayMs;
    queue.push(entry);
    if (delayMs <= 0) queueMicrotask(dispatch);
    else schedule();
  }

  function settle(lease: Lease, owner: Slotted): boolean {
    if (!lease.active) return false;
    lease.active = false;
    clearTimeout(lease.timer);
    owner.leases.delete(lease);
    return true;
  }

  function deliver(entry: Entry, owner: Slotted): void {
    entry.deliveries++;
    const expire = () => settle(lease, owner) && requeue(entry, 0);
    const lease: Lease = { entry, active: true, timer: setTimeout(expire, ackWaitMs).unref() };
    owner.leases.add(lease);
    const delivery: JobDelivery = {
      message: copy(entry.message),
      attempt: entry.deliveries,
      heartbeat: () => {
        if (lease.active) lease.timer.refresh();
      },
      ack: async () => {
        settle(lease, owner);
      },
      retry: (delayMs = 0) => {
        if (settle(lease, owner)) requeue(entry, delayMs);
      },
      reject: () => {
        settle(lease, owner);
      },
      release: () => {
        settle(lease, owner);
      },
    };
    const run: Promise<void> = Promise.resolve()
      .then(() => owner.handler(delivery))
      .catch((err: unknown) => console.error(`memory bus: handler failed for job ${entry.message.jobId}`, err))
      // A handler that neither acked nor rejected gives the job back.
      .finally(() => {
        delivery.retry(0);
        owner.running.delete(run);
        dispatch();
      });
    owner.running.add(run);
  }

  function dispatch(): void {
    if (closed) return;
    const now = Date.now();
    // Each free slot takes the oldest ready job of its consumer's first class that has one, as a
    // worker pulls its classes in order; consumers take turns. A job only a busy (or absent)
    // class can take waits; jobs of other classes go on.
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (let k = 0; k < consumers.length; k++) {
        const c = consumers[(nextConsumer + k) % consumers.length]!;
        if (c.stopped || c.running.size >= c.concurrency) continue;
        for (const workerClass of c.classes) {
          const i = queue.findIndex((e) => e.readyAt <= now && (e.message.workerClass ?? 'cpu') === workerClass);
          if (i < 0) continue;
          const [entry] = queue.splice(i, 1);
          nextConsumer = (nextConsumer + k + 1) % consumers.length;
          deliver(entry!, c);
          progressed = true;
          break;
        }
      }
    }
    schedule();
  }

  // One timer for the earliest delayed job. Ready jobs no consumer takes wait for a consumer to
  // free a slot or join (both dispatch), not for a timer: that would spin.
  function schedule(): void {
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeTimer = undefined;
    const now = Date.now();
    const delayed = queue.filter((e) => e.readyAt > now);
    if (closed || delayed.length === 0) return;
    const earliest = Math.min(...delayed.map((e) => e.readyAt));
    wakeTimer = setTimeout(dispatch, Math.max(0, earliest - now)).unref();
  }

  function stopConsumer(c: Slotted, drain: boolean): Promise<void> {
    c.stopped = true;
    if (drain) return Promise.all(c.running).then(() => undefined);
    // Abandoned leases go back at once; the handlers still running can no longer settle them.
    for (const lease of [...c.leases]) if (settle(lease, c)) requeue(lease.entry, 0);
    dispatch();
    return Promise.resolve();
  }

  return {
    maxDeliveries,
    jobs: {
      async publish(message) {
        if (closed) throw new Error('memory bus is closed');
        const now = Date.now();
        for (const [jobId, at] of published) {
          if (now - at < duplicateWindowMs) break;
          published.delete(jobId);
        }
        if (published.has(message.jobId)) return undefined;
        published.set(message.jobId, now);
        queue.push({ message: copy(message), deliveries: 0, readyAt: now });
        dispatch();
        return undefined;
      },
      async withdraw({ jobId }) {
        const i = queue.findIndex((e) => e.message.jobId === jobId);
        if (i < 0) return false;
        queue.splice(i, 1);
        return true;
      },
      async abandoned({ jobId }) {
        // Past its last delivery the entry is dropped; an acknowledged one too.
        const held = (e: Entry) => e.message.jobId === jobId;
        return !queue.some(held) && !consumers.some((c) => [...c.leases].some((l) => l.active && held(l.entry)));
      },
      async stats() {
        const inFlight = consumers.reduce((n, c) => n + c.leases.size, 0);
        return { pending: queue.length, inFlight };
      },
      consume(handler, { concurrency, classes = DEFAULT_CONSUMER_CLASSES }): JobConsumer {
        if (!(concurrency >= 1)) throw new Error(`concurrency must be at least 1, got ${concurrency}`);
        const c: Slotted = { handler, concurrency, classes, stopped: false, running: new Set(), leases: new Set() };
        consumers.push(c);
        queueMicrotask(dispatch);
        return {
          stop: async ({ drain = false } = {}) => {
            await stopConsumer(c, drain);
            const index = consumers.indexOf(c);
            if (index >= 0) consumers.splice(index, 1);
          },
        };
      },
    },
    events: {
      publish(event) {
        const wire = copy(event);
        for (const handler of [...subscribers]) {
          queueMicrotask(() => {
            try {
              handler(copy(wire));
            } catch (err) {
              console.error('memory bus: event handler failed', err);
            }
          });
        }
      },
      subscribe(handler) {
        subscribers.add(handler);
        return () => void subscribers.delete(handler);
      },
    },
    serving: {
      async request<R extends ServingRequest>(request: R, { timeoutMs }: { timeoutMs: number }): Promise<ServingReply<R['kind']>> {
        const live = servers.filter((s) => !s.stopped);
        if (closed || live.length === 0) throw new ServingUnavailableError('no-worker', 'no worker serves queries');
        const server = live[nextServer++ % live.length]!;
        const work = answer(server.handler, copy(request)).then(copy);
        server.running.add(work);
        void work.finally(() => server.running.delete(work));
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ServingUnavailableError('timeout', `no worker answered within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
          return (await Promise.race([work, late])) as ServingReply<R['kind']>;
        } finally {
          clearTimeout(timer);
        }
      },
      serve(handler) {
        const server = { handler, stopped: false, running: new Set<Promise<unknown>>() };
        servers.push(server);
        return {
          async stop() {
            server.stopped = true;
            servers.splice(servers.indexOf(server), 1);
            await Promise.allSettled([...server.running]);
          },
        };
      },
    },
    async close() {
      for (const server of servers) server.stopped = true;
      servers.length = 0;
      for (const c of consumers) await stopConsumer(c, false);
      closed = true;
      consumers.length = 0;
      queue.length = 0;
      subscribers.clear();
      schedule();
    },
  };
}
