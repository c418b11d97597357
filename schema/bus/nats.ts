// The cluster bus: jobs on a JetStream work-queue stream read through one durable pull consumer
// shared by every worker; events on core NATS subjects so that every gateway instance sees every
// event (fan-out, no persistence: the durable state is in Postgres).

import { connect, NoRespondersError, RequestError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { ServingUnavailableError, type Bus, type JobConsumer, type JobDelivery, type ServingEndpoint } from '../bus.js';
import type { ServingReply } from '../serving.js';
import { answer } from './serving.js';
import type { JobMessage } from '../jobs.js';
import type { PlatformEvent } from '../events.js';
import { subjectsFor, type Subjects } from '../subjects.js';
import { DEFAULT_CONSUMER_CLASSES, WORKER_CLASSES, type WorkerClass } from '../capabilities.js';

export interface NatsBusOptions {
  prefix: string;
  maxDeliveries: number;
  ackWaitMs: number;
  /** JetStream duplicate window for publish dedup by jobId; default 2 minutes. */
  duplicateWindowMs?: number;
}

const nanos = (ms: number) => ms * 1_000_000;
// How long one pull request waits on the server before it is renewed.
const PULL_EXPIRES_MS = 10_000;
/** JetStream's error code for a stream sequence that holds no message (not in nats.js's code list). */
const SEQUENCE_NOT_FOUND = 10057;
/** A worker serving several classes asks each preferred class this long before the next. */
const PREFERRED_PULL_MS = 1_000;
const PULL_ERROR_BACKOFF_MS = 1_000;

export async function connectNatsBus(options: NatsBusOptions & { servers: string; name?: string }): Promise<Bus> {
  const nc = await connect({ servers: options.servers, name: options.name });
  try {
    return await createNatsBus(nc, options);
  } catch (err) {
    await nc.close();
    throw err;
  }
}

/** Builds the bus on an existing connection; the bus owns it from then on (close() drains it). */
export async function createNatsBus(nc: NatsConnection, options: NatsBusOptions): Promise<Bus> {
  const subjects = subjectsFor(options.prefix);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, subjects, options.duplicateWindowMs ?? 120_000);
  await ensureConsumers(jsm, subjects, options);
  const js = jetstream(nc);
  const classConsumers = new Map<WorkerClass, Consumer>();
  for (const workerClass of WORKER_CLASSES) classConsumers.set(workerClass, await js.consumers.get(subjects.jobStream, subjects.jobConsumer(workerClass)));
  const consumers = new Set<JobConsumer>();
  const endpoints = new Set<ServingEndpoint>();
  let closing: Promise<void> | undefined;

  return {
    maxDeliveries: options.maxDeliveries,
    jobs: {
      async publish(message: JobMessage) {
        const ack = await js.publish(subjects.jobs(message.kind, message.workerClass ?? 'cpu'), JSON.stringify(message), { msgID: message.jobId });
        return ack.seq;
      },
      async withdraw({ jobId, seq }) {
        if (seq === undefined || seq === null) return false;
        try {
          // Only this job's message: a stream recreated since could hold another job at that sequence.
          const stored = await jsm.streams.getMessage(subjects.jobStream, { seq });
          if (!stored || stored.json<JobMessage>().jobId !== jobId) return false;
          return await jsm.streams.deleteMessage(subjects.jobStream, seq, false);
        } catch (err) {
          // Taken and acknowledged meanwhile, or never there (10057: no message at that sequence).
          if (isNotFound(err, JetStreamApiCodes.NoMessageFound) || isNotFound(err, SEQUENCE_NOT_FOUND)) return false;
          throw err;
        }
      },
      async abandoned({ jobId, seq, workerClass }) {
        // Without its position the message cannot be found: say no rather than guess.
        if (seq === undefined || seq === null) return false;
        try {
          const stored = await jsm.streams.getMessage(subjects.jobStream, { seq });
          if (!stored || stored.json<JobMessage>().jobId !== jobId) return true;
        } catch (err) {
          if (isNotFound(err, JetStreamApiCodes.NoMessageFound) || isNotFound(err, SEQUENCE_NOT_FOUND)) return true;
          throw err;
        }
        // Still in the work-queue stream, so never acknowledged. A consumer delivers its messages
        // in stream order: one at or below the last delivered sequence was delivered, and is left
        // there once max_deliver ran out.
        const info = await jsm.consumers.info(subjects.jobStream, subjects.jobConsumer(workerClass));
        return info.delivered.stream_seq >= seq;
      },
      async stats() {
        const infos = await Promise.all(WORKER_CLASSES.map((c) => jsm.consumers.info(subjects.jobStream, subjects.jobConsumer(c))));
        return { pending: infos.reduce((n, i) => n + i.num_pending, 0), inFlight: infos.reduce((n, i) => n + i.num_ack_pending, 0) };
      },
      consume(handler, { concurrency, classes = DEFAULT_CONSUMER_CLASSES }) {
        if (!(concurrency >= 1)) throw new Error(`concurrency must be at least 1, got ${concurrency}`);
        const pulls = new Set<ConsumerMessages>();
        const inFlight = new Set<() => void>();
        let stopped = false;

        if (classes.length === 0) throw new Error('a consumer takes at least one worker class');
        // Classes in order of preference: each before the last is pulled from only when it has
        // messages waiting (asking costs one round trip, a pull on an empty class would wait), the
        // last one with a long pull. A preferred job published during that pull waits for its end.
        async function nextMessage(): Promise<JsMsg | undefined> {
          for (const [i, workerClass] of classes.entries()) {
            const last = i === classes.length - 1;
            const consumer = classConsumers.get(workerClass)!;
            if (!last && (await consumer.info(false)).num_pending === 0) continue;
            const pull = await consumer.fetch({ max_messages: 1, expires: last ? PULL_EXPIRES_MS : PREFERRED_PULL_MS });
            pulls.add(pull);
            if (stopped) await pull.close();
            try {
              for await (const msg of pull) return msg;
            } finally {
              pulls.delete(pull);
            }
            if (stopped) return undefined;
          }
          return undefined;
        }

        async function handle(msg: JsMsg): Promise<void> {
          let settled = false;
          // JetStream has one ack state per message, not per delivery: once the ack wait ran out
          // without a heartbeat the server may have handed the message to another worker, and an
          // ack, nak or term from here would settle that worker's delivery. Like the memory bus,
          // a delivery past its lease settles nothing.
          let leaseUntil = Date.now() + options.ackWaitMs;
          const settle = () => !settled && (settled = true) && Date.now() <= leaseUntil;
          // On a closed connection no nak can be sent; the server then redelivers after ack_wait.
          const giveBack = () => {
            if (settle() && !nc.isClosed()) msg.nak();
          };
          let message: JobMessage;
          try {
            message = msg.json<JobMessage>();
          } catch (err) {
            console.error(`nats bus: dropping undecodable job message on ${msg.subject}`, err);
            msg.term('undecodable');
            return;
          }
          const delivery: JobDelivery = {
            message,
            attempt: msg.info.deliveryCount,
            heartbeat: () => {
              if (settled || Date.now() > leaseUntil) return;
              msg.working();
              leaseUntil = Date.now() + options.ackWaitMs;
            },
            ack: async () => void (settle() && (await msg.ackAck())),
            retry: (delayMs) => void (settle() && msg.nak(delayMs)),
            reject: () => void (settle() && msg.term()),
            release: () => void (settled = true),
          };
          inFlight.add(giveBack);
          try {
            await handler(delivery);
          } catch (err) {
            console.error(`nats bus: handler failed for job ${message.jobId}`, err);
          } finally {
            inFlight.delete(giveBack);
          }
          // A handler that neither acked nor rejected gives the job back.
          giveBack();
        }

        // One pull of one message per slot: a message is only requested when a handler can start
        // on it at once, so no message waits in a local buffer while its ack-wait runs out.
        async function slot(): Promise<void> {
          while (!stopped) {
            try {
              const msg = await nextMessage();
              if (msg && stopped) msg.nak();
              else if (msg) await handle(msg);
            } catch (err) {
              // Pull or ack failures (server gone, connection closing): back off; the server
              // redelivers whatever was not settled.
              if (stopped || nc.isClosed()) return;
              console.error('nats bus: consumer error, retrying', err);
              await new Promise((resolve) => setTimeout(resolve, PULL_ERROR_BACKOFF_MS));
            }
          }
        }

        const slots = Promise.all(Array.from({ length: concurrency }, slot));
        const jobConsumer: JobConsumer = {
          async stop({ drain = false } = {}) {
            stopped = true;
            consumers.delete(jobConsumer);
            // Closing a pull removes its interest; the server skips pull requests without interest.
            await Promise.all([...pulls].map((pull) => pull.close()));
            if (drain) {
              await slots;
              return;
            }
            // Without drain, in-flight jobs are handed back at once (nak) rather than after
            // ack_wait, so another worker picks them up; the abandoned handlers may still run to
            // their end here but can no longer ack, nak or extend those deliveries.
            for (const giveBack of inFlight) giveBack();
          },
        };
        consumers.add(jobConsumer);
        return jobConsumer;
      },
    },
    events: {
      publish(event: PlatformEvent) {
        nc.publish(subjects.event(event), JSON.stringify(event));
      },
      subscribe(handler) {
        const sub = nc.subscribe(subjects.eventsAll, {
          callback: (err, msg) => {
            if (err) return console.error('nats bus: event subscription failed', err);
            try {
              handler(msg.json<PlatformEvent>());
            } catch (error) {
              console.error('nats bus: event handler failed', error);
            }
          },
        });
        return () => sub.unsubscribe();
      },
    },
    serving: {
      async request(request, { timeoutMs }) {
        try {
          const reply = await nc.request(subjects.serving, JSON.stringify(request), { timeout: timeoutMs });
          return reply.json();
        } catch (error) {
          throw unavailable(error, timeoutMs);
        }
      },
      serve(handler) {
        const running = new Set<Promise<void>>();
        const sub = nc.subscribe(subjects.serving, {
          queue: subjects.servingQueue,
          callback: (err, msg) => {
            if (err) return console.error('nats bus: serving subscription failed', err);
            const work = (async () => {
              let reply: ServingReply;
              try {
                reply = await answer(handler, msg.json());
              } catch (error) {
                reply = { ok: false, failure: { kind: 'invalid', message: `undecodable request: ${(error as Error).message}` } };
              }
              let body = JSON.stringify(reply);
              // A reply over the server's max_payload would never arrive: say so instead of timing out.
              if (Buffer.byteLength(body) > nc.info!.max_payload) {
                body = JSON.stringify({ ok: false, failure: { kind: 'internal', message: `reply of ${Buffer.byteLength(body)} bytes exceeds NATS max_payload ${nc.info!.max_payload}` } });
              }
              if (!nc.isClosed()) msg.respond(body);
            })().catch((error: unknown) => console.error('nats bus: serving reply failed', error));
            running.add(work);
            void work.finally(() => running.delete(work));
          },
        });
        const endpoint: ServingEndpoint = {
          async stop() {
            endpoints.delete(endpoint);
            if (!sub.isClosed() && !nc.isClosed()) await sub.drain().catch(() => undefined);
            await Promise.allSettled([...running]);
          },
        };
        endpoints.add(endpoint);
        return endpoint;
      },
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...endpoints].map((e) => e.stop()));
        await Promise.all([...consumers].map((c) => c.stop({ drain: false })));
        if (!nc.isClosed()) await nc.drain();
      })();
      return closing;
    },
  };
}

async function ensureStream(jsm: JetStreamManager, subjects: Subjects, duplicateWindowMs: number): Promise<void> {
  const config = { subjects: [subjects.jobsAll], duplicate_window: nanos(duplicateWindowMs) };
  try {
    const info = await jsm.streams.info(subjects.jobStream);
    // Retention cannot change on an existing stream; refuse rather than run with other semantics.
    if (info.config.retention !== RetentionPolicy.Workqueue) {
      throw new Error(`stream ${subjects.jobStream} exists with ${info.config.retention} retention, expected workqueue`);
    }
    const same =
      info.config.duplicate_window === config.duplicate_window &&
      info.config.subjects?.length === 1 &&
      info.config.subjects[0] === subjects.jobsAll;
    if (!same) await jsm.streams.update(subjects.jobStream, config);
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add({
      name: subjects.jobStream,
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      ...config,
    });
  }
}

async function ensureConsumers(jsm: JetStreamManager, subjects: Subjects, options: NatsBusOptions): Promise<void> {
  // The single unfiltered consumer of earlier versions overlaps every class's filter, which a
  // work-queue stream refuses: it goes. Messages it had not delivered were published to subjects
  // without a class; README ("Upgrading") says how to requeue their jobs.
  try {
    await jsm.consumers.delete(subjects.jobStream, subjects.legacyJobConsumer);
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
  }
  // max_deliver is one more than maxDeliveries: that last delivery arrives with
  // attempt > maxDeliveries, so the worker can mark the job failed with its reason and reject()
  // it, instead of JetStream silently giving up on a job still marked running.
  const config = { ack_wait: nanos(options.ackWaitMs), max_deliver: options.maxDeliveries + 1 };
  for (const workerClass of WORKER_CLASSES) {
    const name = subjects.jobConsumer(workerClass);
    try {
      const info = await jsm.consumers.info(subjects.jobStream, name);
      if (info.config.ack_wait !== config.ack_wait || info.config.max_deliver !== config.max_deliver) {
        await jsm.consumers.update(subjects.jobStream, name, config);
      }
    } catch (err) {
      if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
      await jsm.consumers.add(subjects.jobStream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        filter_subject: subjects.jobsOfClass(workerClass),
        ...config,
      });
    }
  }
}

function unavailable(error: unknown, timeoutMs: number): unknown {
  const cause = error instanceof RequestError ? error.cause : undefined;
  if (error instanceof NoRespondersError || cause instanceof NoRespondersError || (error instanceof RequestError && error.isNoResponders())) {
    return new ServingUnavailableError('no-worker', 'no worker serves queries');
  }
  if (error instanceof TimeoutError || cause instanceof TimeoutError) {
    return new ServingUnavailableError('timeout', `no worker answered within ${timeoutMs} ms`);
  }
  return error;
}

function isNotFound(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}
