// EVALUATE jobs and the periodic evaluation during training, on a worker with an in-memory PGlite
// database and the in-process bus; the test plays the gateway (Run and Job rows, publishing).

import { macroMean } from '../gpu-worker/evaluation/stats.js';
import { decodeUnitTables, STORED_HEADLINES } from '../gpu-worker/evaluation/unit-tables.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildWorker, type Worker } from '../gpu-worker/app.js';
import { createReportStore } from '../gpu-worker/jobs/evaluation-reports.js';
import { openDatabase, type Database } from '../prisma/db.js';
import type { Prisma } from '../prisma/generated/client.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import type { AlignmentSummary, EvaluationRequest, Headlines } from '../schema/evaluation.js';
import type { PlatformEvent, ProgressEvent } from '../schema/events.js';
import type { EvaluationSuite } from '../schema/training.js';
import { dataDir, repoRoot } from './support/platform.js';

let db: Database;
let home: string;
let worker: Worker;
const bus = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 20_000, duplicateWindowMs: 0 });
const logs: string[] = [];
const events: PlatformEvent[] = [];

before(async () => {
  db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-evaluate-'));
  bus.events.subscribe((e) => events.push(e));
  const settings = {
    home, dataDir, modelsDir: path.join(repoRoot, '..', 'shared', 'models'), importRoots: [dataDir], importMaxBytes: 1 << 20,
    database: { kind: 'embedded' as const, dataDir: path.join(home, 'pgdata') }, bus: { kind: 'memory' as const },
    maxDeliveries: 3, ackWaitMs: 20_000, heartbeatMs: 50, servingTimeoutMs: 10_000, trainingQueueDepth: 2,
  };
  const config = { settings, workerId: 'w-evaluate', concurrency: 1, checkpointDir: path.join(home, 'checkpoints'), retryBackoffMs: 10, vectorStore: 'local' as const, serveQueries: true, servingEncoders: 2, servingBatchWaitMs: 0 };
  worker = buildWorker({ config, db, bus, log: (l) => logs.push(l) });
  await worker.start();
});
after(async () => {
  await worker.stop();
  await bus.close();
  await db.close();
  await fs.rm(home, { recursive: true, force: true });
});

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs.slice(-10).join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const settled = (jobId: string) =>
  waitFor(`job ${jobId} settled`, async () => {
    const job = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
    return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status) && job;
  // Whole-suite evaluations (BM25 over MLQA-R's 33,592 rankings) take about a minute on 2 busy cores.
  }, 180_000);

/** XQuAD-R shares nothing with MLQA-R, so a run trained on it may be evaluated on MLQA_R. */
async function trainRun(hyperParameters: Record<string, number>, evaluationSuites: EvaluationSuite[]) {
  const run = await db.prisma.run.create({
    data: {
      strategy: 'HYBRID', alpha: 0.5, trainDatasets: ['xquad-r'], languages: ['en', 'de', 'es'], seed: 5, evaluationSuites,
      model: { family: 'BAG_OF_SUBWORDS', dimension: 16, layers: 0, vocabularySize: 1024, maxLength: 32, tokenizer: 'XLM_R' },
      hyperParameters: { batchSize: 8, learningRate: 0.01, warmupSteps: 2, logEvery: 5, ...hyperParameters },
    },
  });
  const job = await db.prisma.job.create({ data: { kind: 'TRAIN', runId: run.id, idempotencyKey: randomUUID() } });
  await bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
  assert.equal((await settled(job.id)).status, 'SUCCEEDED', logs.join('\n'));
  return run;
}

async function evaluate(request: EvaluationRequest, runId: string | null = null) {
  const payload = request as unknown as Prisma.InputJsonValue;
  const job = await db.prisma.job.create({ data: { kind: 'EVALUATE', runId, payload, idempotencyKey: randomUUID() } });
  await bus.jobs.publish(runId ? { jobId: job.id, kind: 'EVALUATE', runId } : { jobId: job.id, kind: 'EVALUATE' });
  return settled(job.id);
}

const reportsOf = (jobId: string) =>
  db.prisma.evaluationReport.findMany({ where: { jobId }, include: { evaluations: true }, orderBy: { suite: 'asc' } });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function assertIntervals(headlines: Headlines, names: string[]) {
  for (const name of names) {
    const h = headlines[name];
    assert.ok(h, `headline ${name}`);
    assert.ok(h.lo <= h.estimate && h.estimate <= h.hi, `${name}: ${JSON.stringify(h)}`);
  }
}

test('a run is evaluated at its latest checkpoint: reports with pair rows, written once, the run left as it was', async () => {
  // validateEvery 5: the run also evaluates a subsample of MLQA_R at steps 5 and 10.
  const run = await trainRun({ steps: 10, validateEvery: 5, checkpointEvery: 5 }, ['MLQA_R']);
  const trained = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id }, include: { checkpoints: { orderBy: { step: 'desc' } } } });
  const statusEvents = events.filter((e) => e.type === 'runStatus' && e.runId === run.id).length;

  const job = await evaluate({ target: { kind: 'run', runId: run.id }, suites: ['MLQA_R', 'XNLI_ALIGNMENT'], bootstrap: 200, seed: 1 }, run.id);
  assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
  assert.equal(job.attempts, 1);
  const [mlqa, xnli] = await reportsOf(job.id);

  const { id: _id, createdAt: _at, headlines: _h, evaluations: _e, unitTables, ...identity } = mlqa!;
  assert.deepEqual(identity, {
    jobId: job.id, runId: run.id, checkpointId: trained.checkpoints[0]!.id, baseline: null,
    suite: 'MLQA_R', dataset: 'mlqa-r', step: null, alignment: null, queries: 4199, sampleSized: false,
    // A request without retrieval settings was written before modes: it is evaluated DENSE.
    retrieval: { mode: 'DENSE', fusion: { kind: 'RRF', k: 60 }, dictionary: false },
  });
  const headlines = mlqa!.headlines as unknown as Headlines;
  assert.equal(Object.keys(headlines).length, 16, 'five metrics in three settings, and the rank distance');
  assertIntervals(headlines, Object.keys(headlines));
  // The per-question values stored with the report give back its headlines (float32: 1e-5 relative).
  const tables = decodeUnitTables(unitTables!);
  assert.deepEqual([...tables.keys()], [...STORED_HEADLINES]);
  for (const [name, table] of tables) {
    const expected = headlines[name]!.estimate;
    assert.ok(Math.abs(macroMean(table) - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${name}: ${macroMean(table)} vs ${expected}`);
  }
  const rows = mlqa!.evaluations;
  const bySetting = (s: string) => rows.filter((r) => r.setting === s);
  assert.deepEqual([bySetting('MONO').length, bySetting('CROSS').length, bySetting('MULTI').length], [7, 42, 7]);
  assert.ok(bySetting('MONO').every((r) => r.queryLanguage === r.candidateLanguage && r.rankDistance === null));
  assert.ok(bySetting('CROSS').every((r) => r.queryLanguage !== r.candidateLanguage));
  assert.ok(bySetting('MULTI').every((r) => r.candidateLanguage === 'all' && r.rankDistance! > 0));
  assert.equal(mean(bySetting('MULTI').map((r) => r.count)) * 7, 4199, 'every query in the multilingual pool');
  // The headlines are macro-averages of the cells.
  for (const [setting, name] of [['MONO', 'mono.map'], ['CROSS', 'cross.map'], ['MULTI', 'multi.map']] as const) {
    assert.ok(Math.abs(mean(bySetting(setting).map((r) => r.map)) - headlines[name]!.estimate) < 1e-9, name);
  }
  assert.ok(Math.abs(mean(bySetting('MULTI').map((r) => r.rankDistance!)) - headlines['multi.rankDistance']!.estimate) < 1e-6);

  assert.equal(xnli!.suite, 'XNLI_ALIGNMENT');
  assert.deepEqual(xnli!.headlines, {});
  assert.equal(xnli!.evaluations.length, 0);
  const alignment = xnli!.alignment as unknown as AlignmentSummary;
  assert.equal(alignment.languages.length, 15);
  assert.equal(xnli!.queries, 15 * 830);
  assert.ok(alignment.translationAccuracy.flat().every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
  assert.ok(alignment.pooledMap.lo <= alignment.pooledMap.estimate && alignment.pooledMap.estimate <= alignment.pooledMap.hi);

  // The evaluated run is untouched: status, times and events.
  const now = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
  assert.deepEqual([now.status, now.startedAt, now.finishedAt, now.error, now.updatedAt], [trained.status, trained.startedAt, trained.finishedAt, trained.error, trained.updatedAt]);
  assert.equal(events.filter((e) => e.type === 'runStatus' && e.runId === run.id).length, statusEvents);

  // A redelivery after a lost acknowledgement (the job still RUNNING) writes nothing twice.
  await db.prisma.job.update({ where: { id: job.id }, data: { status: 'RUNNING' } });
  await bus.jobs.publish({ jobId: job.id, kind: 'EVALUATE', runId: run.id });
  assert.equal((await settled(job.id)).status, 'SUCCEEDED');
  assert.ok(logs.includes(`job ${job.id}: MLQA_R was written by an earlier delivery; skipped`));
  // Two deliveries writing at once: the report is upserted, the rows skipped.
  const store = createReportStore(db.prisma);
  const { runId, checkpointId } = mlqa!;
  const copy = rows.map(({ id: _id, reportId: _r, createdAt: _c, ...row }) => row);
  await store.writeJobReport(job.id, { runId, checkpointId, baseline: null }, { suite: 'MLQA_R', headlines, queries: 4199, rows: copy });
  const again = await reportsOf(job.id);
  assert.deepEqual(again.map((r) => [r.id, r.evaluations.length]), [[mlqa!.id, 56], [xnli!.id, 0]]);

  // The validations during training: a report per validation step, announced with the step's progress.
  const validations = await db.prisma.evaluationReport.findMany({ where: { runId: run.id, step: { not: null } }, orderBy: { step: 'asc' } });
  assert.deepEqual(validations.map((v) => [v.step, v.suite, v.jobId, v.checkpointId, v.queries]), [[5, 'MLQA_R', null, null, 7 * 200], [10, 'MLQA_R', null, null, 7 * 200]]);
  const progress = events.filter((e): e is ProgressEvent => e.type === 'progress' && e.runId === run.id && e.validation !== undefined);
  assert.deepEqual(progress.map((p) => p.step), [5, 10]);
  progress.forEach((p, i) => {
    const stored = validations[i]!.headlines as unknown as Headlines;
    assert.deepEqual(p.validation, {
      suite: 'MLQA_R',
      headlines: Object.fromEntries(Object.entries(stored).map(([h, v]) => [h, v.estimate])),
    });
  });
});

test('BM25 ranks MLQA-R better than the untrained RANDOM encoder', async () => {
  const request = (baseline: 'BM25' | 'RANDOM'): EvaluationRequest => ({ target: { kind: 'baseline', baseline }, suites: ['MLQA_R'], bootstrap: 100, seed: 3 });
  const [bm25, random] = [await evaluate(request('BM25')), await evaluate(request('RANDOM'))];
  const [a] = await reportsOf(bm25.id);
  const [b] = await reportsOf(random.id);
  assert.deepEqual([a!.baseline, a!.runId, a!.checkpointId, a!.evaluations.length], ['BM25', null, null, 56]);
  assert.deepEqual([b!.baseline, b!.evaluations.length], ['RANDOM', 56]);
  const monoMap = (r: typeof a) => (r!.headlines as unknown as Headlines)['mono.map']!;
  assert.ok(monoMap(a).lo > monoMap(b).hi, `BM25 ${JSON.stringify(monoMap(a))} vs RANDOM ${JSON.stringify(monoMap(b))}`);
});

test('BUCC 2018 zh-en mining: accuracy and xsim error in both directions with intervals over the 257 gold pairs', async () => {
  const job = await evaluate({ target: { kind: 'baseline', baseline: 'RANDOM' }, suites: ['BUCC2018'], bootstrap: 100, seed: 2 });
  assert.equal(job.status, 'SUCCEEDED', `${job.error}\n${logs.slice(-5).join('\n')}`);
  const [report] = await reportsOf(job.id);
  assert.deepEqual([report!.suite, report!.dataset, report!.queries, report!.evaluations.length, report!.alignment], ['BUCC2018', 'bucc2018', 257, 0, null]);
  const headlines = report!.headlines as unknown as Headlines;
  const names = ['zh-en.accuracy', 'zh-en.xsimError', 'en-zh.accuracy', 'en-zh.xsimError'];
  assert.deepEqual(Object.keys(headlines).sort(), [...names].sort());
  assertIntervals(headlines, names);
  for (const name of names) assert.ok(headlines[name]!.lo >= 0 && headlines[name]!.hi <= 1, `${name}: ${JSON.stringify(headlines[name])}`);
  assert.ok(logs.some((l) => l.includes(`job ${job.id}: BUCC2018: encode`)), 'the mining was timed in the log');
});

test('evaluating a run without a checkpoint, or BM25 on XNLI, fails at once and touches no run', async () => {
  const run = await db.prisma.run.create({
    data: { strategy: 'MONO', alpha: 1, model: {}, trainDatasets: ['xquad-r'], languages: ['en', 'de'], seed: 1, hyperParameters: {} },
  });
  const job = await evaluate({ target: { kind: 'run', runId: run.id }, suites: ['MLQA_R'], bootstrap: 100, seed: 0 }, run.id);
  assert.deepEqual([job.status, job.attempts, job.error], ['FAILED', 1, `run ${run.id} has no checkpoint to evaluate`]);
  const after = await db.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
  assert.deepEqual([after.status, after.startedAt, after.finishedAt, after.error], ['QUEUED', null, null, null]);

  const bm25 = await evaluate({ target: { kind: 'baseline', baseline: 'BM25' }, suites: ['MLQA_R', 'XNLI_ALIGNMENT'], bootstrap: 100, seed: 0 });
  assert.deepEqual([bm25.status, bm25.attempts], ['FAILED', 1]);
  assert.match(bm25.error!, /a lexical baseline has no embeddings/);
  assert.deepEqual(await reportsOf(bm25.id), [], 'nothing half-done');
});
