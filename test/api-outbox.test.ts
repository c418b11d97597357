// A job whose publish fails is still recorded, and the outbox publishes it later.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Bus } from '../schema/bus.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import type { JobMessage } from '../schema/jobs.js';
import { startOutbox } from '../api/job/outbox.js';
import { startTestGateway, type TestGateway } from '../api/testing.js';

let gw: TestGateway;
let failing = true;
const published: JobMessage[] = [];

/** The memory bus, with a switch that makes job publishing fail as if NATS were down. */
function flakyBus(): Bus {
  const inner = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 5_000 });
  return {
    events: inner.events,
    maxDeliveries: inner.maxDeliveries,
    close: () => inner.close(),
    jobs: {
      consume: (handler, options) => inner.jobs.consume(handler, options),
      async publish(message) {
        if (failing) throw new Error('nats: connection refused');
        published.push(message);
        await inner.jobs.publish(message);
      },
    },
  };
}

before(async () => {
  gw = await startTestGateway({ bus: flakyBus() });
});
after(() => gw.close());

const START = 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id status } }';

test('a failed publish leaves the run and job QUEUED; the outbox publishes the job once it is due', async () => {
  const result = await gw.request<{ startTrainingRun: { id: string; status: string } }>(START, { input: {} });
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  const runId = result.data!.startTrainingRun.id;
  const job = await gw.db.prisma.job.findFirstOrThrow({ where: { runId } });
  assert.equal(job.status, 'QUEUED');
  assert.ok(gw.logs.some((line) => line.includes(job.id) && line.includes('publish failed')), gw.logs.join('\n'));
  assert.deepEqual(published, []);

  // A cancelled run's job must never be republished.
  const cancelled = await gw.request<{ startTrainingRun: { id: string } }>(START, { input: { seed: 7 } });
  await gw.request('mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: cancelled.data!.startTrainingRun.id });

  failing = false;
  const outbox = startOutbox({ prisma: gw.db.prisma, bus: gw.bus, log: (l) => gw.logs.push(l), intervalMs: 60_000, minAgeMs: 0 });
  try {
    await outbox.sweep();
    assert.deepEqual(published, [{ jobId: job.id, kind: 'TRAIN', runId }]);
    // Published once: a job waiting for a free worker is never published twice.
    assert.ok((await gw.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).publishedAt);
    assert.equal(await outbox.sweep(), 0);
    assert.equal(published.length, 1);
  } finally {
    await outbox.stop();
  }
});

test('concurrent requests with one idempotency key create one run', async () => {
  const input = { idempotencyKey: 'double-click' };
  const [a, b] = await Promise.all([gw.request<{ startTrainingRun: { id: string } }>(START, { input }), gw.request<{ startTrainingRun: { id: string } }>(START, { input })]);
  assert.equal(a.errors, undefined, JSON.stringify(a.errors));
  assert.equal(b.errors, undefined, JSON.stringify(b.errors));
  assert.equal(a.data!.startTrainingRun.id, b.data!.startTrainingRun.id);
  assert.equal(await gw.db.prisma.job.count({ where: { idempotencyKey: 'train:double-click' } }), 1);
  assert.equal(await gw.db.prisma.run.count({ where: { id: a.data!.startTrainingRun.id } }), 1);
});

test('an EVALUATE job whose publish failed is published by the outbox; concurrent keys make one job', async () => {
  failing = true;
  const EVALUATE = 'mutation($input: EvaluateInput!) { evaluate(input: $input) { id status } }';
  const input = { baseline: 'BM25', suites: ['MLQA_R'], idempotencyKey: 'eval-double-click' };
  const [a, b] = await Promise.all([gw.request<{ evaluate: { id: string } }>(EVALUATE, { input }), gw.request<{ evaluate: { id: string } }>(EVALUATE, { input })]);
  assert.equal(a.errors, undefined, JSON.stringify(a.errors));
  assert.equal(a.data!.evaluate.id, b.data!.evaluate!.id);
  const jobId = a.data!.evaluate.id;
  assert.equal(await gw.db.prisma.job.count({ where: { idempotencyKey: 'evaluate:eval-double-click' } }), 1);
  assert.equal((await gw.db.prisma.job.findUniqueOrThrow({ where: { id: jobId } })).publishedAt, null);

  failing = false;
  const before = published.length;
  const outbox = startOutbox({ prisma: gw.db.prisma, bus: gw.bus, log: (l) => gw.logs.push(l), intervalMs: 60_000, minAgeMs: 0 });
  try {
    await outbox.sweep();
    assert.deepEqual(published.slice(before), [{ jobId, kind: 'EVALUATE' }]);
  } finally {
    await outbox.stop();
  }
});
