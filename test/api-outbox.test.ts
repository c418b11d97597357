// A job whose publish fails is still recorded, and the outbox publishes it later.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Bus } from '../schema/bus.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import type { JobMessage } from '../schema/jobs.js';
import { startOutbox } from '../api/job/outbox.js';
import { startTestGateway, type TestGateway } from '../api/testing.js';
import { waitFor } from './support/processes.js';
import { recordingBus, type RecordingBus } from './support/recording-bus.js';

let gw: TestGateway;
let failing = true;
const published: JobMessage[] = [];

/** The memory bus, with a switch that makes job publishing fail as if NATS were down. */
function flakyBus(): Bus {
  const inner = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 5_000 });
  return {
    events: inner.events,
    serving: inner.serving,
    maxDeliveries: inner.maxDeliveries,
    close: () => inner.close(),
    jobs: {
      consume: (handler, options) => inner.jobs.consume(handler, options),
      stats: () => inner.jobs.stats(),
      withdraw: (job) => inner.jobs.withdraw(job),
      abandoned: (job) => inner.jobs.abandoned(job),
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
    assert.deepEqual(published.slice(before), [{ jobId, kind: 'EVALUATE', workerClass: 'interactive' }]);
  } finally {
    await outbox.stop();
  }
});

// The outbox on its own timer (intervalMs 50) with a non-zero minimum age, against a bus stub that
// records every publish call (before any deduplication) and can hold a publish until released.

/** The gateway's Prisma client, counting the outbox's sweeps (each starts with one job.findMany). */
function countingPrisma() {
  const real = gw.db.prisma;
  const counter = { sweeps: 0 };
  const prisma = {
    job: {
      findMany: (args: Parameters<typeof real.job.findMany>[0]) => {
        counter.sweeps += 1;
        return real.job.findMany(args);
      },
      updateMany: (args: Parameters<typeof real.job.updateMany>[0]) => real.job.updateMany(args),
      findUnique: (args: Parameters<typeof real.job.findUnique>[0]) => real.job.findUnique(args),
    },
    // Admission of held TRAIN jobs (none here) runs in a transaction after every sweep.
    $transaction: real.$transaction.bind(real),
  } as unknown as typeof real;
  return { prisma, counter };
}

const unpublishedJob = (createdAt?: Date) =>
  gw.db.prisma.job.create({ data: { kind: 'EMBED', idempotencyKey: `outbox-timer:${randomUUID()}`, ...(createdAt ? { createdAt } : {}) } });
const callsFor = (stub: RecordingBus, jobId: string) => stub.calls.filter((m) => m.jobId === jobId).length;

test('the outbox timer publishes a job once it is older than minAgeMs, never before, and only once', async () => {
  const stub = recordingBus();
  const { prisma, counter } = countingPrisma();
  // Long enough that the job is surely younger at the first sweeps, even on a slow machine.
  const minAgeMs = 2_000;
  const job = await unpublishedJob();
  const outbox = startOutbox({ prisma, bus: stub.bus, log: (l) => gw.logs.push(l), intervalMs: 50, minAgeMs });
  try {
    // A sweep while the job is young: not due.
    await outbox.sweep();
    assert.ok(Date.now() - job.createdAt.getTime() < minAgeMs, 'the sweep above ran while the job was young');
    assert.equal(callsFor(stub, job.id), 0, 'a job younger than minAgeMs is left to the request that created it');
    assert.equal((await gw.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).publishedAt, null);

    // No one calls sweep() from here on: the timer must do it.
    await waitFor('the timer-driven sweep to publish the job', async () => (await gw.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).publishedAt);
    assert.equal(callsFor(stub, job.id), 1);
    assert.deepEqual(stub.calls.find((m) => m.jobId === job.id), { jobId: job.id, kind: 'EMBED' });

    // Several more timer sweeps run; none publishes the job again.
    const sweeps = counter.sweeps;
    await waitFor('three more timer sweeps', () => counter.sweeps >= sweeps + 3);
    assert.equal(callsFor(stub, job.id), 1, 'a published job is never published twice');
  } finally {
    await outbox.stop();
    await stub.bus.close();
  }
});

test('stop() during a sweep waits for that sweep, and no sweep starts afterwards', async () => {
  const stub = recordingBus();
  let release!: () => void;
  stub.hold = new Promise<void>((r) => (release = r));
  const { prisma, counter } = countingPrisma();
  // Due long ago, and older than anything else in the database: first in the sweep's batch.
  const first = await unpublishedJob(new Date('2000-01-01T00:00:00Z'));
  const second = await unpublishedJob(new Date('2000-01-01T00:00:01Z'));
  const outbox = startOutbox({ prisma, bus: stub.bus, log: (l) => gw.logs.push(l), intervalMs: 50, minAgeMs: 1_000 });
  let stopped = false;
  let stopping: Promise<void> | undefined;
  try {
    await waitFor('a timer-driven sweep publishing the first job', () => callsFor(stub, first.id) === 1);
    assert.equal(counter.sweeps, 1, 'one sweep in flight; the timer does not start another meanwhile');

    stopping = outbox.stop().then(() => void (stopped = true));
    // Many intervals pass while the publish is held: stop() keeps waiting, and no sweep starts.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stopped, false, 'stop() waits for the sweep in flight');
    assert.equal(counter.sweeps, 1);

    release();
    await stopping;
    // The sweep in flight finished its work before stop() returned.
    assert.ok((await gw.db.prisma.job.findUniqueOrThrow({ where: { id: first.id } })).publishedAt, 'the held publish was recorded before stop() returned');
    assert.equal(callsFor(stub, second.id), 0, 'a stopped outbox publishes nothing more, not even the rest of its batch');

    // Well past many intervals: nothing more happens.
    const late = await unpublishedJob(new Date('2000-01-01T00:00:02Z'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(counter.sweeps, 1, 'no sweep starts after stop()');
    assert.equal(callsFor(stub, late.id), 0);
    assert.equal(callsFor(stub, second.id), 0);
  } finally {
    release();
    await stopping;
    await outbox.stop();
    // Leave nothing due behind for the gateway's own outbox.
    await gw.db.prisma.job.updateMany({ where: { idempotencyKey: { startsWith: 'outbox-timer:' } }, data: { status: 'CANCELLED' } });
    await stub.bus.close();
  }
});
