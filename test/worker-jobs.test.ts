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
import { loadCheckpoint } from '../gpu-worker/encoding/checkpoint.js';
import { openDatabase, type Database } from '../prisma/db.js';
import type { Bus } from '../schema/bus.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import type { PlatformEvent, ProgressEvent } from '../schema/events.js';
import type { JobKind } from '../schema/jobs.js';
import { automaticBackend, dataDir, repoRoot } from './support/platform.js';


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
  checkpointDir?: string;
  maxDeliveries?: number;
  heartbeatMs?: number;
}

function config(workerId: string, overrides: WorkerOptions = {}): WorkerConfig {
  return {
    settings: {
      home,
      dataDir,
      modelsDir: path.join(repoRoot, '..', 'shared', 'models'),
      importRoots: [dataDir],
      importMaxBytes: 1 << 20,
      database: { kind: 'embedded', dataDir: path.join(home, 'pgdata') },
      bus: { kind: 'memory' },
      maxDeliveries: overrides.maxDeliveries ?? 3,
      ackWaitMs: 20_000,
      heartbeatMs: overrides.heartbeatMs ?? 50,
      servingTimeoutMs: 10_000,
      trainingQueueDepth: 2,
    },
    workerId,
    concurrency: 1,
    checkpointDir: overrides.checkpointDir ?? path.join(home, 'checkpoints'),
    retryBackoffMs: 10,
    vectorStore: 'local',
    serveQueries: true,
    servingEncoders: 2,
    servingBatchWaitMs: 0,
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

async function createRun(hyperParameters: Record<string, number | boolean>, model: Record<string, unknown> = {}, evaluationSuites: string[] = []) {
  const run = await db.prisma.run.create({
    data: {
      strategy: 'HYBRID',
      alpha: 0.5,
      // HASHED needs no tokenizer file; the first test trains with the XLM-R tokenizer.
      model: { family: 'BAG_OF_SUBWORDS', dimension: 16, layers: 0, vocabularySize: 1024, maxLength: 32, tokenizer: 'HASHED', ...model },
      trainDatasets: ['mlqa-r'],
      languages: ['en', 'de', 'es'],
      seed: 7,
      hyperParameters: { batchSize: 8, learningRate: 0.01, warmupSteps: 2, ...hyperParameters },
      evaluationSuites,
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

test('a TRAIN job runs to the end: run SUCCEEDED, metrics with the validation loss, checkpoint, progress events', async () => {
  const w = await startWorker('w-success');
  try {
    // XQuAD-R shares no group with MLQA-R, so naming it as the evaluation suite is allowed.
    const { run, job } = await createRun({ steps: 12, logEvery: 4 }, { tokenizer: 'XLM_R' }, ['XQUAD_R']);
    // Each progress event must find its metric points already stored.
    const storedAtEvent: Promise<number>[] = [];
    w.bus.events.subscribe((e) => {
      if (e.type === 'progress' && e.runId === run.id) storedAtEvent.push(db.prisma.metricPoint.count({ where: { runId: run.id, step: e.step } }));
    });
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('SUCCEEDED', () => statusesOf(w.events, run.id).includes('SUCCEEDED'));

    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true, checkpoints: true, metrics: true } });
    assert.equal(stored.status, 'SUCCEEDED');
    assert.ok(stored.backend?.startsWith(`${automaticBackend} (tfjs-node-gpu not installed; tfjs-node not installed; `), `the backend and why: ${stored.backend}`);
    assert.ok(stored.startedAt && stored.finishedAt && stored.finishedAt >= stored.startedAt);
    assert.equal(stored.error, null);
    assert.deepEqual(stored.jobs.map((j) => [j.status, j.attempts, j.workerId]), [['SUCCEEDED', 1, 'w-success']]);
    assert.ok(stored.jobs[0]!.lastHeartbeat);

    const metrics = stored.metrics.map((m) => `${m.step}:${m.name}`).sort();
    const expected = [4, 8, 12].flatMap((s) => ['learning_rate', 'loss', 'pairs_per_second'].map((n) => `${s}:${n}`));
    // validateEvery is 50 by default: the only validation is the one at the end.
    assert.deepEqual(metrics, [...expected, '12:validation_loss'].sort());
    assert.ok(stored.metrics.every((m) => Number.isFinite(m.value) && m.value > 0));

    const progress = progressOf(w.events, run.id);
    assert.deepEqual(progress.map((p) => p.step), [4, 8, 12]);
    // The run names XQUAD_R: its validation step also evaluates a subsample of it (stored, then announced).
    const [validation, ...more] = await db.prisma.evaluationReport.findMany({ where: { runId: run.id } });
    assert.equal(more.length, 0);
    assert.deepEqual([validation!.step, validation!.suite, validation!.jobId, validation!.queries], [12, 'XQUAD_R', null, 11 * 200]);
    const stored12 = validation!.headlines as Record<string, { estimate: number }>;
    assert.deepEqual(progress.map((p) => p.validation), [undefined, undefined, {
      suite: 'XQUAD_R',
      headlines: Object.fromEntries(Object.entries(stored12).map(([h, v]) => [h, v.estimate])),
    }]);
    for (const p of progress) {
      assert.equal(p.totalSteps, 12);
      assert.equal(p.status, 'RUNNING');
      assert.equal(Object.values(p.batchComposition).reduce((a, b) => a + b, 0), 8);
      assert.ok(Object.keys(p.batchComposition).every((k) => /^(en|de|es)-(en|de|es)$/.test(k)));
      const value = (name: string) => stored.metrics.find((m) => m.step === p.step && m.name === name)?.value;
      assert.ok(Math.abs(value('loss')! - p.loss) < 1e-9, 'event and stored point agree');
      assert.equal(p.validationLoss, value('validation_loss'));
    }
    assert.ok(progress[2]!.validationLoss! > 0);
    assert.deepEqual(await Promise.all(storedAtEvent), [3, 3, 4]);
    assert.deepEqual(statusesOf(w.events, run.id), ['RUNNING', 'SUCCEEDED']);

    assert.equal(stored.checkpoints.length, 1);
    const checkpoint = stored.checkpoints[0]!;
    assert.equal(checkpoint.step, 12);
    assert.equal(checkpoint.location, path.join(home, 'checkpoints', run.id, 'step-12'));
    assert.deepEqual(checkpoint.metrics, { loss: progress[2]!.loss, validation_loss: progress[2]!.validationLoss, best_step: 12 });
    const { manifest, weights } = await loadCheckpoint(checkpoint.location);
    assert.equal(manifest.backend, automaticBackend);
    assert.equal(manifest.final, true);
    // The XLM-R vocabulary pruned to the training texts: padding, unknown, then kept pieces.
    const pipeline = manifest.tokenizer as { tokenizer: { kind: string; vocabulary: { pieceIds: number[] } } };
    assert.equal(pipeline.tokenizer.kind, 'XLM_R');
    const rows = 2 + pipeline.tokenizer.vocabulary.pieceIds.length;
    assert.ok(rows > 1000 && rows <= 1024 + 4, `rows ${rows}`);
    assert.deepEqual(manifest.weights.map((x) => [x.name, x.shape]), [['embedding', [rows, 16]]]);
    assert.equal(weights.get('embedding')!.length, rows * 16);

    const worker = await db.prisma.worker.findUniqueOrThrow({ where: { id: 'w-success' } });
    assert.deepEqual(worker.capabilities, ['TRAIN', 'EVALUATE', 'EMBED', 'REPORT', 'PULL']);
    assert.equal(worker.backend, automaticBackend);
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
    const { run, job } = await createRun({ steps: 100_000, logEvery: 1, checkpointEvery: 100_000 });
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
    const { run, job } = await createRun({ steps: 5 }, { pooling: 'CLS' });
    const embed = await createJob('EMBED', null);
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await w.bus.jobs.publish({ jobId: embed.id, kind: 'EMBED' });
    await waitFor('FAILED', () => statusesOf(w.events, run.id).includes('FAILED'));
    const failedEvent = w.events.find((e) => e.type === 'runStatus' && e.status === 'FAILED');
    // The stored specification is checked by the gateway's own schema (schema/training-validation.ts).
    const reason = 'invalid training spec: model.pooling: "CLS" is not possible for BAG_OF_SUBWORDS, which has no CLS token; use MEAN';
    assert.equal(failedEvent?.type === 'runStatus' && failedEvent.error, reason);

    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true } });
    assert.equal(stored.status, 'FAILED');
    assert.equal(stored.error, reason);
    assert.deepEqual(stored.jobs.map((j) => [j.status, j.attempts, j.error]), [['FAILED', 1, stored.error]]);

    const embedRow = await waitFor('EMBED job failed', async () => {
      const row = await db.prisma.job.findUniqueOrThrow({ where: { id: embed.id } });
      return row.status === 'FAILED' && row;
    });
    assert.equal(embedRow.error, 'EMBED payload: checkpointId must be a non-empty string');
    assert.equal(embedRow.attempts, 1);
  } finally {
    await w.close();
  }
});

test('a retryable failure is retried, then fails the run once deliveries are exhausted', async () => {
  // Checkpoints cannot be written under a regular file: an environment problem, worth retrying.
  const blocked = path.join(home, 'not-a-folder');
  await fs.writeFile(blocked, '');
  const w = await startWorker('w-retry', { checkpointDir: path.join(blocked, 'checkpoints'), maxDeliveries: 3 });
  try {
    const { run, job } = await createRun({ steps: 5 });
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('FAILED', () => statusesOf(w.events, run.id).includes('FAILED'));
    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true } });
    assert.equal(stored.status, 'FAILED');
    assert.match(stored.error!, /^gave up after 3 deliveries: ENOTDIR: not a directory/);
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

test('a run that names an evaluation suite containing its training groups is refused, with counts and examples', async () => {
  const w = await startWorker('w-leak');
  try {
    const { run, job } = await createRun({ steps: 5 }, {}, ['MLQA_R']);
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('FAILED', () => statusesOf(w.events, run.id).includes('FAILED'));
    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { jobs: true, metrics: true } });
    assert.match(stored.error!, /^refusing to train on evaluation data: 1148 of 1148 groups of mlqa-r are in evaluation suite MLQA_R \(mlqa-r\), e\.g\. mlqa-r group \S+: /);
    assert.deepEqual(stored.jobs.map((j) => [j.status, j.attempts]), [['FAILED', 1]], 'not retried');
    assert.deepEqual(stored.metrics, [], 'nothing was trained');
  } finally {
    await w.close();
  }
});

const finalWeights = async (runId: string) => {
  const rows = await db.prisma.checkpoint.findMany({ where: { runId }, orderBy: { step: 'desc' } });
  const { manifest, weights } = await loadCheckpoint(rows[0]!.location);
  assert.equal(manifest.final, true);
  return { rows, values: weights.get('embedding')! };
};

test('a redelivered run resumes from its latest checkpoint, keeps its metric points, and ends like an uninterrupted run', async () => {
  const bus = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 20_000 });
  const first = await startWorker('w-interrupted', { bus });
  let second: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    const hp = { steps: 24, logEvery: 1, checkpointEvery: 4, validateEvery: 6, earlyStoppingPatience: 10, gradientClipNorm: 0.5, symmetricLoss: true };
    const interrupted = await createRun(hp);
    // Stop the worker once step 10 is announced: the latest checkpoint is then step 8.
    let stopping: Promise<void> | undefined;
    first.bus.events.subscribe((e) => {
      if (e.type === 'progress' && e.runId === interrupted.run.id && e.step === 10) stopping ??= first.close();
    });
    await bus.jobs.publish({ jobId: interrupted.job.id, kind: 'TRAIN', runId: interrupted.run.id });
    await waitFor('first worker stopping', () => stopping !== undefined);
    await stopping;
    assert.ok(first.logs.includes(`job ${interrupted.job.id}: left for redelivery (shutdown)`));
    const before = await db.prisma.metricPoint.findMany({ where: { runId: interrupted.run.id, name: 'loss' }, orderBy: { step: 'asc' } });
    const resumeStep = (await db.prisma.checkpoint.findMany({ where: { runId: interrupted.run.id } })).reduce((max, c) => Math.max(max, c.step), 0);
    assert.ok(resumeStep >= 8 && resumeStep < 24, `latest checkpoint before the redelivery: ${resumeStep}`);

    second = await startWorker('w-resumer', { bus });
    await waitFor('SUCCEEDED', () => statusesOf(second!.events, interrupted.run.id).includes('SUCCEEDED'));
    assert.ok(second.logs.includes(`run ${interrupted.run.id}: resuming from step ${resumeStep}`), second.logs.join('\n'));
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: interrupted.job.id } });
    assert.deepEqual([job.status, job.attempts, job.workerId], ['SUCCEEDED', 2, 'w-resumer']);

    const after = await db.prisma.metricPoint.findMany({ where: { runId: interrupted.run.id, name: 'loss' }, orderBy: { step: 'asc' } });
    assert.deepEqual(after.map((m) => m.step), Array.from({ length: 24 }, (_, i) => i + 1), 'one loss point per step');
    for (const point of before) assert.deepEqual(after.find((m) => m.step === point.step), point, 'points written before the interruption are kept');

    const straight = await createRun(hp);
    await bus.jobs.publish({ jobId: straight.job.id, kind: 'TRAIN', runId: straight.run.id });
    await waitFor('straight run SUCCEEDED', () => statusesOf(second!.events, straight.run.id).includes('SUCCEEDED'));
    const a = await finalWeights(straight.run.id);
    const b = await finalWeights(interrupted.run.id);
    assert.deepEqual(b.rows.map((r) => r.step), [24, 20, 16, 12, 8, 4], 'a Checkpoint row per checkpoint, and the final one');
    assert.deepEqual(b.rows[0]!.metrics, a.rows[0]!.metrics);
    const difference = Math.max(...a.values.map((v, i) => Math.abs(v - b.values[i]!)));
    assert.ok(difference < 1e-6, `largest weight difference ${difference}`);
    const losses = async (runId: string) => (await db.prisma.metricPoint.findMany({ where: { runId, name: { in: ['loss', 'validation_loss'] } }, orderBy: [{ step: 'asc' }, { name: 'asc' }] })).map((m) => [m.step, m.name, m.value]);
    assert.deepEqual(await losses(interrupted.run.id), await losses(straight.run.id), 'the same batches in the same order');
  } finally {
    await second?.close();
    await bus.close();
  }
});

test('keepCheckpoints: only the newest checkpoints keep their files, besides the final one and one a collection serves; resuming still works', async () => {
  const bus = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 20_000 });
  const first = await startWorker('w-prune-1', { bus });
  let second: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    const { run, job } = await createRun({ steps: 24, logEvery: 1, checkpointEvery: 4, keepCheckpoints: 2, validateEvery: 100 });
    // Stopped early, so that nothing is pruned yet and step 4 can be given a collection.
    let stopping: Promise<void> | undefined;
    first.bus.events.subscribe((e) => {
      if (e.type === 'progress' && e.runId === run.id && e.step === 5) stopping ??= first.close();
    });
    await bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('first worker stopping', () => stopping !== undefined);
    await stopping;
    const early = await db.prisma.checkpoint.findMany({ where: { runId: run.id }, orderBy: { step: 'asc' } });
    assert.equal(early[0]?.step, 4);
    assert.ok(early.every((c) => c.prunedAt === null), 'two checkpoints at most: none pruned yet');
    await db.prisma.collection.create({ data: { name: `prune-${run.id}`, checkpointId: early[0]!.id, dataset: 'mlqa-r', languages: ['en'] } });

    second = await startWorker('w-prune-2', { bus });
    await waitFor('SUCCEEDED', () => statusesOf(second!.events, run.id).includes('SUCCEEDED'));
    const resumedFrom = early.at(-1)!.step;
    assert.ok(second.logs.includes(`run ${run.id}: resuming from step ${resumedFrom}`), second.logs.join('\n'));

    const rows = await db.prisma.checkpoint.findMany({ where: { runId: run.id }, orderBy: { step: 'desc' } });
    assert.deepEqual(rows.map((r) => r.step), [24, 20, 16, 12, 8, 4], 'every row stays');
    const exists = async (dir: string) => (await fs.stat(dir).catch(() => null)) !== null;
    const kept = [24, 20, 4];
    for (const row of rows) {
      assert.equal(row.prunedAt === null, kept.includes(row.step), `step ${row.step} prunedAt ${String(row.prunedAt)}`);
      assert.equal(await exists(row.location), kept.includes(row.step), `step ${row.step} files`);
    }
    assert.equal((await loadCheckpoint(rows[0]!.location)).manifest.final, true);
  } finally {
    await second?.close();
    await bus.close();
  }
});

test('early stopping ends a run SUCCEEDED before its last step, with the best step in the checkpoint metrics', async () => {
  const w = await startWorker('w-early');
  try {
    // On these data and this seed the validation loss bottoms out after about 20 steps.
    const { run, job } = await createRun({ steps: 60, learningRate: 0.05, logEvery: 60, validateEvery: 3, earlyStoppingPatience: 2 });
    await w.bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
    await waitFor('SUCCEEDED', () => statusesOf(w.events, run.id).includes('SUCCEEDED'));
    const stored = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { checkpoints: true, metrics: { where: { name: 'validation_loss' }, orderBy: { step: 'asc' } } } });
    const validations = stored.metrics.map((m) => [m.step, m.value] as const);
    const [bestStep, bestLoss] = validations.reduce((a, b) => (b[1] < a[1] ? b : a));
    const lastStep = validations.at(-1)![0];
    assert.ok(lastStep < 60, `stopped at ${lastStep}: ${JSON.stringify(validations)}`);
    assert.deepEqual(validations.map(([step]) => step), Array.from({ length: lastStep / 3 }, (_, i) => 3 * (i + 1)));
    assert.equal(lastStep, bestStep + 2 * 3, 'two validations without improvement');
    assert.deepEqual(stored.checkpoints.map((c) => c.step), [lastStep]);
    const metrics = stored.checkpoints[0]!.metrics as Record<string, number>;
    assert.deepEqual([metrics.best_step, metrics.validation_loss], [bestStep, bestLoss]);
    assert.deepEqual(progressOf(w.events, run.id).map((p) => [p.step, p.validationLoss]), validations);
  } finally {
    await w.close();
  }
});
