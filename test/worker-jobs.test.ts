// The job worker against an in-memory PGlite database and the in-process bus: the gateway's side
// (Run and Job rows, publishing, cancelling) is played by the test.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildWorker } from '../gpu-worker/app.js';
import type { WorkerConfig } from '../gpu-worker/config.js';
import { loadCheckpoint } from '../gpu-worker/training/checkpoint.js';
import { openDatabase, type Database } from '../prisma/db.js';
import type { Bus } from '../schema/bus.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import type { PlatformEvent, ProgressEvent } from '../schema/events.js';
import type { JobKind } from '../schema/jobs.js';
import { dataDir } from './support/platform.js';

let db: Database;
let home: string;

before(async () => {
  db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-worker-'));
});
after(async () => {
  await db.close();
  await fs.rm(home, { recursive: true, force: true });
});

interface WorkerOptions {
  bus?: Bus;
  dataDir?: string;
  maxDeliveries?: number;
  heartbeatMs?: number;
}

function config(workerId: string, overrides: WorkerOptions = {}): WorkerConfig {
  return {
    settings: {
      home,
      dataDir: overrides.dataDir ?? dataDir,
      database: { kind: 'embedded', dataDir: path.join(home, 'pgdata') },
      bus: { kind: 'memory' },
      maxDeliveries: overrides.maxDeliveries ?? 3,
      ackWaitMs: 20_000,
      heartbeatMs: overrides.heartbeatMs ?? 50,
    },
    workerId,
    concurrency: 1,
    checkpointDir: path.join(home, 'checkpoints'),
    retryBackoffMs: 10,
  };
}

/** A worker on its own bus, recording log lines and every event. */
async function startWorker(workerId: string, options: WorkerOptions = {}) {
  const maxDeliveries = options.maxDeliveries ?? 3;
  // No duplicate window, so that a test can deliver a job twice.
  const bus = options.bus ?? createMemoryBus({ maxDeliveries, ackWaitMs: 20_000, duplicateWindowMs: 0 });
  const logs: string[] = [];
  const events: PlatformEvent[] = [];
  const unsubscribe = bus.events.subscribe((e) => events.push(e));
  const worker = buildWorker({ config: config(workerId, { ...options, maxDeliveries }), db, bus, log: (l) => logs.push(l) });
  await worker.start();
  return {
    bus,
    logs,
    events,
    worker,
    async close() {
      await worker.stop();
      unsubscribe();
      if (!options.bus) await bus.close();
    },
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function createRun(hyperParameters: Record<string, number>, model: Record<string, unknown> = {}) {
  const run = await db.prisma.run.create({
    data: {
      strategy: 'HYBRID',
      alpha: 0.5,
      model: { family: 'BAG_OF_SUBWORDS', dimension: 16, layers: 0, vocabularySize: 1024, maxLength: 32, ...model },
      trainDatasets: ['mlqa-r'],
      languages: ['en', 'de', 'es'],
      seed: 7,
      hyperParameters: { batchSize: 8, learningRate: 0.01, warmupSteps: 2, ...hyperParameters },
    },
  });
  const job = await createJob('TRAIN', run.id);
  return { run, job };
}

const createJob = (kind: JobKind, runId: string | null) =>
  db.prisma.job.create({ data: { kind, runId, idempotencyKey: randomUUID() } });

const progressOf = (events: PlatformEvent[], runId: string) =>
  events.filter((e): e is ProgressEvent => e.type === 'progress' && e.runId === runId);
const statusesOf = (events: PlatformEvent[], runId: string) =>
  events.flatMap((e) => (e.type === 'runStatus' && e.runId === runId ? [e.status] : []));

test('a TRAIN job runs to the end: run SUCCEEDED, metrics, checkpoint, progress events', async () => {
  const w = await startWorker('w-success');
  try {
    const { run, job } = await createRun({ steps: 12, logEvery: 4 });
    // Each progress event must find its metric points already stored.
    const storedAtEvent: Promise<number>[] = [];
    w.bus.events.subscribe((e) => {
      if (e.type === 'progress' && e.runId === run.id) storedAtEvent.push(db.prisma.metricPoint.count({ where: { runId: run.id, step: e.step } }));
    });
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('SUCCEEDED', () => statusesOf(w.events, run.id).includes('SUCCEEDED'));

    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true, checkpoints: true, metrics: true } });
    assert.equal(stored.status, 'SUCCEEDED');
    assert.equal(stored.backend, 'wasm');
    assert.ok(stored.startedAt && stored.finishedAt && stored.finishedAt >= stored.startedAt);
    assert.equal(stored.error, null);
    assert.deepEqual(stored.jobs.map((j) => [j.status, j.attempts, j.workerId]), [['SUCCEEDED', 1, 'w-success']]);
    assert.ok(stored.jobs[0]!.lastHeartbeat);

    const metrics = stored.metrics.map((m) => `${m.step}:${m.name}`).sort();
    assert.deepEqual(metrics, [4, 8, 12].flatMap((s) => ['learning_rate', 'loss', 'pairs_per_second'].map((n) => `${s}:${n}`)).sort());
    assert.ok(stored.metrics.every((m) => Number.isFinite(m.value) && m.value > 0));

    const progress = progressOf(w.events, run.id);
    assert.deepEqual(progress.map((p) => p.step), [4, 8, 12]);
    for (const p of progress) {
      assert.equal(p.totalSteps, 12);
      assert.equal(p.status, 'RUNNING');
      assert.equal(Object.values(p.batchComposition).reduce((a, b) => a + b, 0), 8);
      assert.ok(Object.keys(p.batchComposition).every((k) => /^(en|de|es)-(en|de|es)$/.test(k)));
      const loss = stored.metrics.find((m) => m.step === p.step && m.name === 'loss')!.value;
      assert.ok(Math.abs(loss - p.loss) < 1e-9, 'event and stored point agree');
    }
    assert.deepEqual(await Promise.all(storedAtEvent), [3, 3, 3]);
    assert.deepEqual(statusesOf(w.events, run.id), ['RUNNING', 'SUCCEEDED']);

    assert.equal(stored.checkpoints.length, 1);
    const checkpoint = stored.checkpoints[0]!;
    assert.equal(checkpoint.step, 12);
    assert.equal(checkpoint.location, path.join(home, 'checkpoints', run.id, 'step-12'));
    const { manifest, weights } = await loadCheckpoint(checkpoint.location);
    assert.equal(manifest.backend, 'wasm');
    assert.deepEqual(manifest.weights.map((x) => [x.name, x.shape]), [['embedding', [1024, 16]]]);
    assert.equal(weights.get('embedding')!.length, 1024 * 16);

    const worker = await db.prisma.worker.findUniqueOrThrow({ where: { id: 'w-success' } });
    assert.deepEqual(worker.capabilities, ['TRAIN']);
    assert.equal(worker.backend, 'wasm');
    await waitFor('lastSeen refreshed', async () => {
      const row = await db.prisma.worker.findUniqueOrThrow({ where: { id: 'w-success' } });
      return row.lastSeen > row.startedAt;
    });

    // A duplicate delivery of a finished job is acknowledged and changes nothing.
    const eventCount = w.events.length;
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('duplicate acknowledged', () => w.logs.includes(`job ${job.id}: already SUCCEEDED; duplicate delivery acknowledged`));
    assert.equal(w.events.length, eventCount);
    const again = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    assert.deepEqual([again.status, again.attempts], ['SUCCEEDED', 1]);
  } finally {
    await w.close();
  }
});

test('a cancelRun event stops a running job at its next step', async () => {
  // Heartbeats too rare to notice the cancellation: only the event can stop the job in time.
  const w = await startWorker('w-cancel', { heartbeatMs: 10_000 });
  try {
    const { run, job } = await createRun({ steps: 100_000, logEvery: 1 });
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('first progress', () => progressOf(w.events, run.id).length > 0);
    // What the gateway does: conditional updates, then the event.
    await db.prisma.run.update({ where: { id: run.id }, data: { status: 'CANCELLED', finishedAt: new Date() } });
    await db.prisma.job.update({ where: { id: job.id }, data: { status: 'CANCELLED' } });
    w.bus.events.publish({ type: 'cancelRun', runId: run.id, at: new Date().toISOString() });
    await waitFor('job cancelled', () => w.logs.some((l) => l === `job ${job.id}: cancelled`));

    assert.ok(w.logs.includes(`job ${job.id}: cancel requested`));
    const steps = progressOf(w.events, run.id).length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(progressOf(w.events, run.id).length, steps, 'no progress after the cancellation');
    assert.ok(steps < 100_000);
    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true, checkpoints: true } });
    assert.equal(stored.status, 'CANCELLED');
    assert.equal(stored.jobs[0]!.status, 'CANCELLED');
    assert.deepEqual(stored.checkpoints, []);
  } finally {
    await w.close();
  }
});

test('a run cancelled in the database only is stopped by the heartbeat check', async () => {
  const w = await startWorker('w-backstop');
  try {
    const { run, job } = await createRun({ steps: 100_000, logEvery: 1 });
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('first progress', () => progressOf(w.events, run.id).length > 0);
    await db.prisma.run.update({ where: { id: run.id }, data: { status: 'CANCELLED', finishedAt: new Date() } });
    await waitFor('job cancelled', () => w.logs.some((l) => l === `job ${job.id}: cancelled`), 5_000);
    assert.ok(!w.logs.includes(`job ${job.id}: cancel requested`), 'no event was involved');
    const stored = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    assert.equal(stored.status, 'CANCELLED', 'the worker ensures the job matches its run');
  } finally {
    await w.close();
  }
});

test('a non-retryable failure fails the run at once with its reason', async () => {
  const w = await startWorker('w-final');
  try {
    const { run, job } = await createRun({ steps: 5 }, { family: 'TRANSFORMER', layers: 2 });
    const embed = await createJob('EMBED', null);
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await w.bus.jobs.publish({ jobId: embed.id, kind: 'EMBED' });
    await waitFor('FAILED', () => statusesOf(w.events, run.id).includes('FAILED'));
    const failedEvent = w.events.find((e) => e.type === 'runStatus' && e.status === 'FAILED');
    assert.equal(failedEvent?.type === 'runStatus' && failedEvent.error, 'TRANSFORMER encoders are not supported by this worker yet');

    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true } });
    assert.equal(stored.status, 'FAILED');
    assert.equal(stored.error, 'TRANSFORMER encoders are not supported by this worker yet');
    assert.deepEqual(stored.jobs.map((j) => [j.status, j.attempts, j.error]), [['FAILED', 1, stored.error]]);

    const embedRow = await waitFor('EMBED job failed', async () => {
      const row = await db.prisma.job.findUniqueOrThrow({ where: { id: embed.id } });
      return row.status === 'FAILED' && row;
    });
    assert.equal(embedRow.error, 'EMBED jobs are not supported by this worker yet');
    assert.equal(embedRow.attempts, 1);
  } finally {
    await w.close();
  }
});

test('a retryable failure is retried, then fails the run once deliveries are exhausted', async () => {
  const w = await startWorker('w-retry', { dataDir: path.join(home, 'no-data'), maxDeliveries: 3 });
  try {
    const { run, job } = await createRun({ steps: 5 });
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('FAILED', () => statusesOf(w.events, run.id).includes('FAILED'));
    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true } });
    assert.equal(stored.status, 'FAILED');
    assert.match(stored.error!, /^gave up after 3 deliveries: ENOENT: no such file or directory/);
    assert.deepEqual(stored.jobs.map((j) => [j.status, j.attempts]), [['FAILED', 3]]);
    assert.equal(w.logs.filter((l) => l.startsWith(`job ${job.id}: attempt`)).length, 2, 'two retries before giving up');
  } finally {
    await w.close();
  }
});

test('stop() leaves the job RUNNING for redelivery; another worker takes it over', async () => {
  const bus = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 20_000 });
  const first = await startWorker('w-first', { bus });
  let second: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    const { run, job } = await createRun({ steps: 40, logEvery: 1 });
    await bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('first progress', () => progressOf(first.events, run.id).length > 0);
    await first.close();
    assert.ok(first.logs.includes(`job ${job.id}: left for redelivery (shutdown)`));
    const abandoned = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id }, include: { run: true } });
    assert.deepEqual([abandoned.status, abandoned.attempts, abandoned.workerId, abandoned.run?.status], ['RUNNING', 1, 'w-first', 'RUNNING']);

    second = await startWorker('w-second', { bus });
    await waitFor('SUCCEEDED', () => statusesOf(second!.events, run.id).includes('SUCCEEDED'));
    const done = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id }, include: { run: true } });
    assert.deepEqual([done.status, done.attempts, done.workerId, done.run?.status], ['SUCCEEDED', 2, 'w-second', 'SUCCEEDED']);
  } finally {
    await second?.close();
    await bus.close();
  }
});

test('a job whose last delivery was lost is failed for good on the next one', async () => {
  const bus = createMemoryBus({ maxDeliveries: 1, ackWaitMs: 20_000 });
  const first = await startWorker('w-lost', { bus, maxDeliveries: 1 });
  let second: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    const { run, job } = await createRun({ steps: 100_000, logEvery: 1 });
    await bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('first progress', () => progressOf(first.events, run.id).length > 0);
    await first.close();
    second = await startWorker('w-heir', { bus, maxDeliveries: 1 });
    await waitFor('FAILED', () => statusesOf(second!.events, run.id).includes('FAILED'));
    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true } });
    assert.equal(stored.status, 'FAILED');
    assert.equal(stored.error, 'gave up after 1 deliveries: worker lost');
    assert.equal(stored.jobs[0]!.status, 'FAILED');
  } finally {
    await second?.close();
    await bus.close();
  }
});
