// advanceExperiment against a real (embedded) Postgres: the EVALUATE job of each trained run, the
// REPORT job only once nothing is left to do, each created once however many callers race, and
// a failed report failing the experiment.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type Database } from '../prisma/db.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import type { JobMessage } from '../schema/jobs.js';
import { planExperiment } from '../schema/experiment.js';
import { advanceExperiment, evaluationJobKey, hybridEvaluationJobKey, reportJobKey } from '../schema/experiment-progress.js';
import { DEFAULT_RETRIEVAL, DENSE_RETRIEVAL } from '../schema/serving.js';

let db: Database;
const bus = createMemoryBus({ maxDeliveries: 2, ackWaitMs: 60_000, duplicateWindowMs: 0 });
const published: JobMessage[] = [];

before(async () => {
  db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
  const original = bus.jobs.publish.bind(bus.jobs);
  bus.jobs.publish = async (message) => {
    published.push(message);
    return original(message);
  };
});
after(async () => {
  await bus.close();
  await db?.close();
});

/** Runs of seeds 0, 1, 2, ...: the smoke plan's seeds are [1], so only the second run is the plan's first seed. */
async function experimentWithRuns(name: string, runs: number, evaluationSuites = ['XQUAD_R']) {
  const plan = planExperiment('smoke');
  const experiment = await db.prisma.experiment.create({ data: { name, preset: 'smoke', plan: plan as object, status: 'RUNNING' } });
  const created = [];
  for (let i = 0; i < runs; i++) {
    created.push(
      await db.prisma.run.create({
        data: {
          experimentId: experiment.id, strategy: 'MONO', alpha: 1, trainDatasets: ['mlqa-r'], languages: ['en'], seed: i, evaluationSuites,
          model: {}, hyperParameters: {}, jobs: { create: { kind: 'TRAIN', idempotencyKey: `${name}:train:${i}`, experimentId: experiment.id } },
        },
        include: { jobs: true },
      }),
    );
  }
  return { experiment, runs: created };
}

const publisher = () => ({ prisma: db.prisma, bus, log: () => {} });
const jobsOf = (experimentId: string, kind: 'EVALUATE' | 'REPORT') => db.prisma.job.findMany({ where: { experimentId, kind } });

async function finish(runId: string, jobId: string, status: 'SUCCEEDED' | 'FAILED') {
  await db.prisma.run.update({ where: { id: runId }, data: { status } });
  await db.prisma.job.update({ where: { id: jobId }, data: { status } });
}

test('each trained run gets one evaluation; the report waits for every job, then is created once', async () => {
  const { experiment, runs } = await experimentWithRuns('e1', 3);
  await finish(runs[0]!.id, runs[0]!.jobs[0]!.id, 'SUCCEEDED');
  await finish(runs[1]!.id, runs[1]!.jobs[0]!.id, 'FAILED');
  await Promise.all([advanceExperiment(publisher(), experiment.id), advanceExperiment(publisher(), experiment.id)]);
  const evaluations = await jobsOf(experiment.id, 'EVALUATE');
  assert.deepEqual(evaluations.map((j) => j.idempotencyKey), [evaluationJobKey(experiment.id, runs[0]!.id)], 'one evaluation, for the run that trained');
  assert.deepEqual(evaluations[0]!.payload, { target: { kind: 'run', runId: runs[0]!.id }, suites: ['XQUAD_R'], bootstrap: 100, seed: 0, retrieval: DENSE_RETRIEVAL, queriesPerLanguage: 40 });
  assert.ok(published.some((m) => m.jobId === evaluations[0]!.id && m.kind === 'EVALUATE'));
  assert.equal((await jobsOf(experiment.id, 'REPORT')).length, 0, 'run 2 still trains');

  // The last run trains; its evaluation is created before any report.
  await finish(runs[2]!.id, runs[2]!.jobs[0]!.id, 'SUCCEEDED');
  await advanceExperiment(publisher(), experiment.id);
  assert.equal((await jobsOf(experiment.id, 'EVALUATE')).length, 2);
  assert.equal((await jobsOf(experiment.id, 'REPORT')).length, 0, 'evaluations are queued');

  await db.prisma.job.updateMany({ where: { experimentId: experiment.id, kind: 'EVALUATE' }, data: { status: 'SUCCEEDED' } });
  await Promise.all([1, 2, 3].map(() => advanceExperiment(publisher(), experiment.id)));
  const reports = await jobsOf(experiment.id, 'REPORT');
  assert.deepEqual(reports.map((j) => j.idempotencyKey), [reportJobKey(experiment.id)]);
  assert.equal(published.filter((m) => m.jobId === reports[0]!.id).length, 1, 'published once');
});

test('the plan\'s first seed is also evaluated HYBRID, on its retrieval suites and the plan\'s question subset; the report waits for both', async () => {
  const { experiment, runs } = await experimentWithRuns('e3', 2, ['XQUAD_R', 'XNLI_ALIGNMENT']);
  const seedOne = runs[1]!;
  await finish(runs[0]!.id, runs[0]!.jobs[0]!.id, 'SUCCEEDED');
  await finish(seedOne.id, seedOne.jobs[0]!.id, 'SUCCEEDED');
  await Promise.all([advanceExperiment(publisher(), experiment.id), advanceExperiment(publisher(), experiment.id)]);
  const evaluations = await jobsOf(experiment.id, 'EVALUATE');
  assert.deepEqual(
    evaluations.map((j) => j.idempotencyKey).sort(),
    [evaluationJobKey(experiment.id, runs[0]!.id), evaluationJobKey(experiment.id, seedOne.id), hybridEvaluationJobKey(experiment.id, seedOne.id)].sort(),
    'DENSE for both runs, HYBRID for seed 1 only',
  );
  const hybrid = evaluations.find((j) => j.idempotencyKey === hybridEvaluationJobKey(experiment.id, seedOne.id))!;
  assert.equal(hybrid.runId, seedOne.id);
  assert.deepEqual(hybrid.payload, { target: { kind: 'run', runId: seedOne.id }, suites: ['XQUAD_R'], bootstrap: 100, seed: 0, retrieval: DEFAULT_RETRIEVAL, queriesPerLanguage: 10 });
  const dense = evaluations.find((j) => j.idempotencyKey === evaluationJobKey(experiment.id, seedOne.id))!;
  assert.deepEqual((dense.payload as { suites: string[] }).suites, ['XQUAD_R', 'XNLI_ALIGNMENT'], 'the alignment suite stays with the DENSE evaluation');

  await db.prisma.job.updateMany({ where: { experimentId: experiment.id, kind: 'EVALUATE', idempotencyKey: { not: hybrid.idempotencyKey } }, data: { status: 'SUCCEEDED' } });
  await advanceExperiment(publisher(), experiment.id);
  assert.equal((await jobsOf(experiment.id, 'REPORT')).length, 0, 'the HYBRID evaluation is still queued');
  await db.prisma.job.update({ where: { id: hybrid.id }, data: { status: 'SUCCEEDED' } });
  await advanceExperiment(publisher(), experiment.id);
  assert.equal((await jobsOf(experiment.id, 'REPORT')).length, 1);
  assert.equal((await jobsOf(experiment.id, 'EVALUATE')).length, 3, 'nothing created twice');
});

test('a failed report fails the experiment; a finished experiment is left alone', async () => {
  const { experiment, runs } = await experimentWithRuns('e2', 1);
  await finish(runs[0]!.id, runs[0]!.jobs[0]!.id, 'FAILED');
  await advanceExperiment(publisher(), experiment.id);
  const [report] = await jobsOf(experiment.id, 'REPORT');
  assert.ok(report, 'nothing trained, nothing to evaluate: the report (of the failures) is due');
  await db.prisma.job.update({ where: { id: report.id }, data: { status: 'FAILED' } });
  await advanceExperiment(publisher(), experiment.id);
  assert.equal((await db.prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } })).status, 'FAILED');
  const jobs = await db.prisma.job.count({ where: { experimentId: experiment.id } });
  await advanceExperiment(publisher(), experiment.id);
  assert.equal(await db.prisma.job.count({ where: { experimentId: experiment.id } }), jobs);
});

async function sweepWithTrials(name: string, trials: number) {
  const plan = {
    kind: 'sweep', search: { kind: 'grid' }, varied: ['seed'], trials: Array.from({ length: trials }, (_, i) => ({ seed: i })),
    evaluation: { suites: ['XQUAD_R'], bootstrap: 100, queriesPerLanguage: 20 },
    sweep: { maxParallel: 2, metric: { suite: 'XQUAD_R', setting: 'multi', metric: 'map' }, earlyTermination: { rule: 'MEDIAN', minValidations: 1, minTrials: 1 } },
  };
  const experiment = await db.prisma.experiment.create({ data: { name, plan, status: 'RUNNING' } });
  const runs = [];
  for (let i = 0; i < trials; i++) {
    runs.push(await db.prisma.run.create({
      data: {
        experimentId: experiment.id, trial: i, strategy: 'MONO', alpha: 1, trainDatasets: ['mlqa-r'], languages: ['en'], seed: i, evaluationSuites: ['XQUAD_R'],
        model: {}, hyperParameters: {}, jobs: { create: { kind: 'TRAIN', idempotencyKey: `${name}:train:${i}`, experimentId: experiment.id } },
      },
      include: { jobs: true },
    }));
  }
  return { experiment, runs };
}

test('a sweep evaluates the trials that trained to their end, not those the median rule stopped, then succeeds; no report', async () => {
  const { experiment, runs } = await sweepWithTrials('s1', 3);
  await finish(runs[0]!.id, runs[0]!.jobs[0]!.id, 'SUCCEEDED');
  await db.prisma.run.update({ where: { id: runs[1]!.id }, data: { stopReason: 'MEDIAN_RULE' } });
  await finish(runs[1]!.id, runs[1]!.jobs[0]!.id, 'SUCCEEDED');
  await finish(runs[2]!.id, runs[2]!.jobs[0]!.id, 'FAILED');
  await Promise.all([advanceExperiment(publisher(), experiment.id), advanceExperiment(publisher(), experiment.id)]);
  const evaluations = await jobsOf(experiment.id, 'EVALUATE');
  assert.deepEqual(evaluations.map((j) => j.runId), [runs[0]!.id]);
  assert.deepEqual((evaluations[0]!.payload as { suites: string[]; queriesPerLanguage: number }).suites, ['XQUAD_R']);
  assert.equal((await db.prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } })).status, 'RUNNING', 'its evaluation is queued');
  await db.prisma.job.update({ where: { id: evaluations[0]!.id }, data: { status: 'SUCCEEDED' } });
  await advanceExperiment(publisher(), experiment.id);
  const done = await db.prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } });
  assert.equal(done.status, 'SUCCEEDED');
  assert.ok(done.finishedAt);
  assert.equal((await jobsOf(experiment.id, 'REPORT')).length, 0);
});

test('a sweep with nothing to rank (every trial failed) fails', async () => {
  const { experiment, runs } = await sweepWithTrials('s2', 2);
  for (const run of runs) await finish(run.id, run.jobs[0]!.id, 'FAILED');
  await advanceExperiment(publisher(), experiment.id);
  assert.equal((await db.prisma.experiment.findUniqueOrThrow({ where: { id: experiment.id } })).status, 'FAILED');
  assert.equal((await jobsOf(experiment.id, 'EVALUATE')).length, 0);
});
