// Memory-bus specifics beyond the shared conformance suite (test/bus-conformance.ts).

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobDelivery } from '../bus.js';
import type { PlatformEvent } from '../events.js';
import { createMemoryBus } from './memory.js';

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; !predicate(); i++) {
    if (i > 250) throw new Error('timed out');
    await sleep(20);
  }
}

it('accepts a jobId again once the duplicate window has passed', async () => {
  const bus = createMemoryBus({ maxDeliveries: 2, ackWaitMs: 1000, duplicateWindowMs: 100 });
  const seen: number[] = [];
  const c = bus.jobs.consume(async (d) => {
      seen.push(d.attempt);
      await d.ack();
    }, { concurrency: 1 });
  await bus.jobs.publish({ jobId: 'a', kind: 'TRAIN' });
  await bus.jobs.publish({ jobId: 'a', kind: 'TRAIN' });
  await until(() => seen.length === 1);
  await sleep(150);
  await bus.jobs.publish({ jobId: 'a', kind: 'TRAIN' });
  await until(() => seen.length === 2);
  assert.deepEqual(seen, [1, 1]);
  await c.stop();
  await bus.close();
});

it('copies messages and events as the wire would', async () => {
  const bus = createMemoryBus({ maxDeliveries: 2, ackWaitMs: 1000 });
  const deliveries: JobDelivery[] = [];
  const c = bus.jobs.consume(
    async (d) => {
      deliveries.push(d);
      if (d.attempt === 1) {
        (d.message as { runId?: string }).runId = 'mutated';
        d.retry(0);
      } else await d.ack();
    },
    { concurrency: 1 },
  );
  const message = { jobId: 'a', kind: 'TRAIN' as const, runId: 'r1' };
  await bus.jobs.publish(message);
  message.runId = 'changed after publish';
  await until(() => deliveries.length === 2);
  assert.equal(deliveries[1]!.message.runId, 'r1');

  const got: PlatformEvent[] = [];
  bus.events.subscribe((e) => got.push(e));
  const event = { type: 'cancelRun' as const, runId: 'r1', at: 'then' };
  bus.events.publish(event);
  event.runId = 'changed';
  await until(() => got.length === 1);
  assert.deepEqual(got[0], { type: 'cancelRun', runId: 'r1', at: 'then' });
  await c.stop();
  await bus.close();
});

it('ignores settling a delivery whose lease ran out: no duplicate copy of the job', async () => {
  const bus = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 100 });
  const deliveries: JobDelivery[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const c = bus.jobs.consume(
    async (d) => {
      deliveries.push(d);
      if (d.attempt === 1) await held;
      else await d.ack();
    },
    { concurrency: 2 },
  );
  await bus.jobs.publish({ jobId: 'a', kind: 'TRAIN' });
  await until(() => deliveries.length === 2);
  deliveries[0]!.retry(0);
  release();
  await sleep(300);
  assert.deepEqual(deliveries.map((d) => d.attempt), [1, 2]);
  await c.stop({ drain: true });
  await bus.close();
});

it('after close: no more events, publish fails, a second close is harmless', async () => {
  const bus = createMemoryBus({ maxDeliveries: 1, ackWaitMs: 1000 });
  const got: PlatformEvent[] = [];
  const off = bus.events.subscribe((e) => got.push(e));
  off();
  bus.events.publish({ type: 'cancelRun', runId: 'r', at: 'now' });
  await sleep(10);
  assert.equal(got.length, 0);
  bus.events.subscribe((e) => got.push(e));
  await bus.close();
  bus.events.publish({ type: 'cancelRun', runId: 'r', at: 'now' });
  await sleep(10);
  assert.equal(got.length, 0);
  await assert.rejects(bus.jobs.publish({ jobId: 'a', kind: 'TRAIN' }), /closed/);
  await bus.close();
});
