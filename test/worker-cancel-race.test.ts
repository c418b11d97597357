// Specification: a run cancelled at any moment ends CANCELLED in the database, in its job and in
// every event, exactly once. Here the cancellation lands in the narrowest window there is: after
// the handler's last training step, before the runner settles the job as succeeded, while the
// cancelRun event is still on its way to the worker (it reaches the runner only once the job is
// settled). The job runner and status store are the real ones, on a real (embedded) Postgres;
// only the TRAIN handler is a stand-in whose last step ends with the cancellation.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../prisma/db.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import type { JobDelivery } from '../schema/bus.js';
import { TERMINAL_RUN_STATUSES, type PlatformEvent } from '../schema/events.js';
import { createJobRunner } from '../gpu-worker/jobs/runner.js';
import { createStatusStore } from '../gpu-worker/jobs/status.js';
import type { JobHandler } from '../gpu-worker/jobs/types.js';
import { cancelRun } from '../api/run/run.service.js';
import type { GatewayServices } from '../api/context.js';

let db: Database;

before(async () => {
  db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
});
after(async () => {
  await db?.close();
});

async function createRun() {
  const run = await db.prisma.run.create({
    data: {
      strategy: 'HYBRID', alpha: 0.5, model: { family: 'BAG_OF_SUBWORDS', dimension: 16, layers: 0, vocabularySize: 1024, maxLength: 32, tokenizer: 'HASHED' },
      trainDatasets: ['mlqa-r'], languages: ['en', 'de'], seed: 7, hyperParameters: { steps: 3 }, evaluationSuites: [],
    },
  });
  const job = await db.prisma.job.create({ data: { kind: 'TRAIN', runId: run.id, idempotencyKey: randomUUID() } });
  return { run, job };
}

/**
 * Runs one delivery of a TRAIN job through the real runner; `cancelAfterLastStep` is called once
 * the handler's last step is done, before the handler returns `succeeded`.
 */
async function raceCancellation(cancelAfterLastStep: (runId: string, gateway: GatewayServices) => Promise<void>) {
  const bus = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 20_000, duplicateWindowMs: 0 });
  const events: PlatformEvent[] = [];
  const logs: string[] = [];
  const settledWith: string[] = [];
  // The cancelRun events in flight: they reach the runner only after it settled the job.
  const inFlightCancels: string[] = [];
  const unsubscribe = bus.events.subscribe((event) => {
    events.push(event);
    if (event.type === 'cancelRun') inFlightCancels.push(event.runId);
  });
  const gateway = { prisma: db.prisma, bus, log: (line: string) => logs.push(`[gateway] ${line}`) } as unknown as GatewayServices;

  const { run, job } = await createRun();
  let steps = 0;
  const handler: JobHandler = async ({ run: current, signal }) => {
    for (let step = 1; step <= 3; step++) {
      if (signal.aborted) return { kind: 'aborted' };
      steps = step;
      await new Promise((r) => setImmediate(r)); // a training step
    }
    await cancelAfterLastStep(current!.id, gateway);
    return { kind: 'succeeded' };
  };
  const runner = createJobRunner({
    prisma: db.prisma,
    status: createStatusStore({ prisma: db.prisma, events: bus.events, workerId: 'w-race', backend: 'test' }),
    handlerFor: () => handler,
    maxDeliveries: 3,
    // No heartbeat during the job: only the settlement itself can notice the cancellation.
    heartbeatMs: 600_000,
    retryDelayMs: () => 10,
    afterSettled: async (_job, final) => void settledWith.push(final),
    log: (line) => logs.push(line),
  });

  const outcome: string[] = [];
  const delivery: JobDelivery = {
    message: { jobId: job.id, kind: 'TRAIN', runId: run.id },
    attempt: 1,
    heartbeat() {},
    async ack() {
      outcome.push('ack');
    },
    retry() {
      outcome.push('retry');
    },
    reject() {
      outcome.push('reject');
    },
    release() {
      outcome.push('release');
    },
  };
  try {
    await runner.handle(delivery);
    // The late cancelRun event arrives: nothing is left to abort.
    for (const runId of inFlightCancels) runner.cancelRun(runId);
    // Memory-bus events are delivered in microtasks; let every published one arrive.
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    unsubscribe();
    await bus.close();
  }
  assert.equal(steps, 3, 'the handler trained to its last step');
  return { run, job, events, logs, settledWith, outcome };
}

const terminalStatusEvents = (events: PlatformEvent[], runId: string) =>
  events.flatMap((e) => (e.type === 'runStatus' && e.runId === runId && TERMINAL_RUN_STATUSES.has(e.status) ? [e.status] : []));

async function assertCancelledOnce(result: Awaited<ReturnType<typeof raceCancellation>>) {
  const { run, job, events, logs, settledWith, outcome } = result;
  const storedRun = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
  const storedJob = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
  assert.equal(storedRun.status, 'CANCELLED', 'the run row');
  assert.ok(storedRun.finishedAt, 'the run has its end');
  assert.equal(storedJob.status, 'CANCELLED', 'the job, not SUCCEEDED');
  const statuses = events.flatMap((e) => (e.type === 'runStatus' && e.runId === run.id ? [e.status] : []));
  assert.ok(!statuses.includes('SUCCEEDED'), `no SUCCEEDED event: ${JSON.stringify(statuses)}`);
  assert.deepEqual(terminalStatusEvents(events, run.id), ['CANCELLED'], 'exactly one terminal status event, CANCELLED');
  // The worker's own account of the settlement agrees.
  assert.deepEqual(outcome, ['ack'], 'the delivery is acknowledged once');
  assert.deepEqual(settledWith, ['CANCELLED'], 'what follows the settlement hears CANCELLED');
  assert.ok(logs.includes(`job ${job.id}: cancelled`), logs.join('\n'));
  assert.ok(!logs.includes(`job ${job.id}: done`), logs.join('\n'));
}

test('cancelRun by the gateway between the last training step and succeed: CANCELLED everywhere, announced once', async () => {
  const result = await raceCancellation(async (runId, gateway) => {
    // The gateway's own cancelRun: run and job in one transaction, then cancelRun and runStatus CANCELLED.
    await cancelRun(gateway, { kind: 'open' }, runId);
  });
  assert.ok(result.events.some((e) => e.type === 'cancelRun' && e.runId === result.run.id), 'the gateway sent its cancel event');
  await assertCancelledOnce(result);
});

test('a run cancelled in the database only (no job update, no event) between the last step and succeed: the worker makes the job agree and announces it once', async () => {
  const result = await raceCancellation(async (runId) => {
    await db.prisma.run.update({ where: { id: runId }, data: { status: 'CANCELLED', finishedAt: new Date() } });
  });
  await assertCancelledOnce(result);
});

test('a second delivery finishing a run another delivery already finished leaves run and job SUCCEEDED, with no second event', async () => {
  const bus = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 20_000, duplicateWindowMs: 0 });
  const events: PlatformEvent[] = [];
  const unsubscribe = bus.events.subscribe((event) => void events.push(event));
  try {
    const { run, job } = await createRun();
    await db.prisma.run.update({ where: { id: run.id }, data: { status: 'SUCCEEDED', finishedAt: new Date() } });
    await db.prisma.job.update({ where: { id: job.id }, data: { status: 'RUNNING' } });
    const status = createStatusStore({ prisma: db.prisma, events: bus.events, workerId: 'w-late', backend: 'test' });
    assert.equal(await status.succeed(job.id, run.id), 'SUCCEEDED');
    assert.equal((await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).status, 'SUCCEEDED');
    assert.equal((await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).status, 'SUCCEEDED');
    assert.deepEqual(events.filter((e) => e.type === 'runStatus'), []);
  } finally {
    unsubscribe();
  }
});
