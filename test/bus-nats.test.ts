// Runs against the NATS server at 127.0.0.1:4222; every namespace is a random prefix whose stream
// is deleted afterwards.

import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, RetentionPolicy } from '@nats-io/jetstream';
import type { Bus } from '../schema/bus.js';
import { createNatsBus } from '../schema/bus/nats.js';
import { subjectsFor } from '../schema/subjects.js';
import { busConformance, CONFORMANCE_ACK_WAIT_MS, CONFORMANCE_MAX_DELIVERIES, waitFor } from './bus-conformance.js';

const servers = 'nats://127.0.0.1:4222';
const options = { maxDeliveries: CONFORMANCE_MAX_DELIVERIES, ackWaitMs: CONFORMANCE_ACK_WAIT_MS };

async function namespace() {
  const prefix = `t${randomBytes(6).toString('hex')}`;
  const connections: NatsConnection[] = [];
  const buses: Bus[] = [];
  return {
    prefix,
    childArgs: ['nats', servers, prefix],
    async open() {
      const nc = await connect({ servers });
      connections.push(nc);
      const bus = await createNatsBus(nc, { prefix, ...options });
      buses.push(bus);
      return bus;
    },
    async settle() {
      await Promise.all(connections.filter((nc) => !nc.isClosed()).map((nc) => nc.flush()));
    },
    async dispose() {
      await Promise.all(buses.map((bus) => bus.close()));
      const nc = await connect({ servers });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(subjectsFor(prefix).jobStream).catch(() => false);
      } finally {
        await nc.close();
      }
    },
  };
}

busConformance('nats', namespace);

it('nats: work-queue stream with dedup window, one durable consumer, ack deletes the message', async () => {
  const ns = await namespace();
  const names = subjectsFor(ns.prefix);
  const nc = await connect({ servers });
  try {
    const bus = await ns.open();
    const jsm = await jetstreamManager(nc);
    const stream = await jsm.streams.info(names.jobStream);
    assert.equal(stream.config.retention, RetentionPolicy.Workqueue);
    assert.deepEqual(stream.config.subjects, [names.jobsAll]);
    assert.ok(stream.config.duplicate_window > 0);
    // One consumer per worker class, each on its class's subjects only.
    for (const workerClass of ['cpu', 'gpu'] as const) {
      const consumer = await jsm.consumers.info(names.jobStream, names.jobConsumer(workerClass));
      assert.equal(consumer.config.max_deliver, CONFORMANCE_MAX_DELIVERIES + 1);
      assert.equal(consumer.config.ack_wait, CONFORMANCE_ACK_WAIT_MS * 1_000_000);
      assert.equal(consumer.config.filter_subject, names.jobsOfClass(workerClass));
    }

    await bus.jobs.publish({ jobId: 'a', kind: 'TRAIN' });
    await bus.jobs.publish({ jobId: 'a', kind: 'TRAIN' });
    assert.equal((await jsm.streams.info(names.jobStream)).state.messages, 1);
    let acked = false;
    const c = bus.jobs.consume(
      async (d) => {
        await d.ack();
        acked = true;
      },
      { concurrency: 1 },
    );
    await waitFor(() => acked);
    assert.equal((await jsm.streams.info(names.jobStream)).state.messages, 0);
    await c.stop();

    // A second process with other settings updates the shared consumer rather than failing.
    const { connectNatsBus } = await import('../schema/bus/nats.js');
    const other = await connectNatsBus({ servers, prefix: ns.prefix, maxDeliveries: 5, ackWaitMs: 2000 });
    await other.close();
    const updated = await jsm.consumers.info(names.jobStream, names.jobConsumer('gpu'));
    assert.equal(updated.config.max_deliver, 6);
    assert.equal(updated.config.ack_wait, 2000 * 1_000_000);
  } finally {
    await nc.close();
    await ns.dispose();
  }
});
