// evaluate, evaluations and the evaluation fields of Job, Run, Checkpoint and trainingProgress,
// end to end over HTTP and WebSocket. The worker's writes are simulated with direct inserts.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Prisma } from '../prisma/generated/client.js';
import type { JobMessage } from '../schema/jobs.js';
import { startTestGateway, type TestGateway } from '../api/testing.js';
import { until } from './support/processes.js';

let gw: TestGateway;
const jobs: JobMessage[] = [];
/** A run trained on mlqa-r (leaks MLQA_R) and one trained on pawsx (may be evaluated on MLQA_R). */
let mlqaRun: string;
let pawsxRun: string;
let pawsxCheckpoint: string;
let mlqaCheckpoint: string;

before(async () => {
  gw = await startTestGateway();
  gw.bus.jobs.consume(async (delivery) => {
    jobs.push(delivery.message);
    await delivery.ack();
  }, { concurrency: 4 });
  mlqaRun = await startRun({ trainDatasets: ['mlqa-r'], languages: ['en', 'de'] });
  pawsxRun = await startRun({ trainDatasets: ['pawsx'], languages: ['en', 'de'] });
  await until(() => jobs.length === 2, 'the TRAIN jobs');
  jobs.length = 0;
});
after(() => gw.close());

async function startRun(input: Record<string, unknown>): Promise<string> {
  const result = await gw.request<{ startTrainingRun: { id: string } }>(
    'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }',
    { input },
  );
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  return result.data!.startTrainingRun.id;
}

const addCheckpoint = (runId: string, step: number) =>
  gw.db.prisma.checkpoint.create({ data: { runId, step, location: `/tmp/ckpt-${runId}-${step}` } });

const EVALUATE = `mutation($input: EvaluateInput!) { evaluate(input: $input) {
  id kind status runId suites target { kind runId checkpointId baseline } reports { id } } }`;

interface JobData {
  id: string;
  kind: string;
  status: string;
  runId: string | null;
  suites: string[];
  target: { kind: string; runId: string | null; checkpointId: string | null; baseline: string | null };
  reports: Array<{ id: string }>;
}

async function evaluate(input: Record<string, unknown>): Promise<JobData> {
  const result = await gw.request<{ evaluate: JobData }>(EVALUATE, { input });
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  return result.data!.evaluate;
}

const counts = async () => ({
  jobs: await gw.db.prisma.job.count(),
  reports: await gw.db.prisma.evaluationReport.count(),
  published: jobs.length,
});

describe('evaluate: validation', () => {
  test('a run without a checkpoint that has not succeeded cannot be evaluated yet', async () => {
    const before = await counts();
    const result = await gw.request(EVALUATE, { input: { runId: pawsxRun, suites: ['MLQA_R'] } });
    assert.equal(result.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(result.errors?.[0]?.extensions?.field, 'input.runId');
    assert.equal(result.errors?.[0]?.extensions?.value, pawsxRun);
    assert.match(result.errors![0]!.message, /is a QUEUED run without a checkpoint yet/);
    assert.deepEqual(await counts(), before);
    mlqaCheckpoint = (await addCheckpoint(mlqaRun, 50)).id;
    pawsxCheckpoint = (await addCheckpoint(pawsxRun, 50)).id;
  });

  test('bad input is BAD_USER_INPUT naming the field and value, and writes and publishes nothing', async () => {
    const cases: Array<[Record<string, unknown>, string, unknown, RegExp]> = [
      [{ suites: ['MLQA_R'] }, 'input', {}, /names no target; give exactly one of input\.runId, input\.checkpointId, input\.baseline/],
      [{ runId: pawsxRun, baseline: 'BM25', suites: ['MLQA_R'] }, 'input', { runId: pawsxRun, baseline: 'BM25' }, /names 2 targets/],
      [{ runId: 'no-such-run', suites: ['MLQA_R'] }, 'input.runId', 'no-such-run', /is not the id of a run/],
      [{ checkpointId: 'no-such-checkpoint', suites: ['MLQA_R'] }, 'input.checkpointId', 'no-such-checkpoint', /is not the id of a checkpoint/],
      [{ runId: mlqaRun, suites: ['MLQA_R'] }, 'input.suites', ['MLQA_R'], /includes MLQA_R: run .* was trained on "mlqa-r", so evaluating it on MLQA_R leaks the evaluation set/],
      [{ checkpointId: mlqaCheckpoint, suites: ['MLQA_R'] }, 'input.suites', ['MLQA_R'], /includes MLQA_R: checkpoint .* was trained on "mlqa-r"/],
      [{ baseline: 'BM25', suites: ['MLQA_R'], bootstrap: 99 }, 'input.bootstrap', 99, /is not in \[100, 10000\]/],
      [{ baseline: 'BM25', suites: ['MLQA_R'], bootstrap: 20_000 }, 'input.bootstrap', 20_000, /is not in \[100, 10000\]/],
      [{ baseline: 'BM25', suites: [] }, 'input.suites', [], /is empty/],
      [{ baseline: 'BM25', suites: ['MLQA_R', 'MLQA_R'] }, 'input.suites[1]', 'MLQA_R', /listed twice/],
      // The default is every suite; the test data folder has mlqa-r only.
      [{ baseline: 'BM25' }, 'input.suites[0]', 'XQUAD_R', /needs dataset xquad-r, which has no files/],
      // Rejected by GraphQL coercion before the resolver; the gateway adds field and value.
      [{ baseline: 'TFIDF', suites: ['MLQA_R'] }, 'input.baseline', 'TFIDF', /Baseline/],
      [{ baseline: 'BM25', suites: ['SQUAD'] }, 'input.suites[0]', 'SQUAD', /EvaluationSuite/],
    ];
    const before = await counts();
    for (const [input, field, value, message] of cases) {
      const result = await gw.request(EVALUATE, { input });
      const error = result.errors?.[0];
      assert.ok(error, `no error for ${JSON.stringify(input)}`);
      assert.equal(error.extensions?.code, 'BAD_USER_INPUT', error.message);
      assert.equal(error.extensions?.field, field, error.message);
      assert.deepEqual(error.extensions?.value, value);
      assert.match(error.message, message);
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await counts(), before, 'no job written or published');
  });
});

describe('evaluate: jobs', () => {
  test('a run target creates an EVALUATE job of the run with the request as payload, published once', async () => {
    const before = await counts();
    const job = await evaluate({ runId: pawsxRun, suites: ['MLQA_R'], bootstrap: 200, seed: 3, mode: 'LEXICAL', dictionary: false });
    assert.deepEqual({ ...job, id: undefined }, {
      id: undefined, kind: 'EVALUATE', status: 'QUEUED', runId: pawsxRun, suites: ['MLQA_R'],
      target: { kind: 'RUN', runId: pawsxRun, checkpointId: null, baseline: null }, reports: [],
    });
    const row = await gw.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    assert.deepEqual(row.payload, {
      target: { kind: 'run', runId: pawsxRun }, suites: ['MLQA_R'], bootstrap: 200, seed: 3,
      retrieval: { mode: 'LEXICAL', fusion: { kind: 'WEIGHTED', denseWeight: 0.2 }, dictionary: false },
    });
    await until(() => jobs.length > before.published, 'the job message');
    await new Promise((r) => setTimeout(r, 50));
    // Evaluations are interactive work: their own queue, never behind trainings.
    assert.deepEqual(jobs.slice(before.published), [{ jobId: job.id, kind: 'EVALUATE', runId: pawsxRun, workerClass: 'interactive' }]);
    assert.ok((await gw.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).publishedAt, 'marked published');
    assert.equal((await counts()).jobs, before.jobs + 1);
  });

  test('a checkpoint target and a baseline target carry no run; defaults come from the contract', async () => {
    const published = jobs.length;
    const byCheckpoint = await evaluate({ checkpointId: pawsxCheckpoint, suites: ['MLQA_R'] });
    assert.equal(byCheckpoint.runId, null);
    assert.deepEqual(byCheckpoint.target, { kind: 'CHECKPOINT', runId: null, checkpointId: pawsxCheckpoint, baseline: null });
    const baseline = await evaluate({ baseline: 'RANDOM', suites: ['MLQA_R'] });
    assert.deepEqual(baseline.target, { kind: 'BASELINE', runId: null, checkpointId: null, baseline: 'RANDOM' });
    const row = await gw.db.prisma.job.findUniqueOrThrow({ where: { id: baseline.id } });
    assert.deepEqual(row.payload, {
      target: { kind: 'baseline', baseline: 'RANDOM' }, suites: ['MLQA_R'], bootstrap: 1000, seed: 0,
      retrieval: { mode: 'HYBRID', fusion: { kind: 'WEIGHTED', denseWeight: 0.2 }, dictionary: true },
    });
    await until(() => jobs.length >= published + 2, 'two job messages');
    assert.deepEqual(jobs.slice(published), [{ jobId: byCheckpoint.id, kind: 'EVALUATE', workerClass: 'interactive' }, { jobId: baseline.id, kind: 'EVALUATE', workerClass: 'interactive' }]);
  });

  test('a SUCCEEDED run without checkpoints may be evaluated; the same idempotency key returns the same job', async () => {
    const run = await startRun({ trainDatasets: ['pawsx'], languages: ['en', 'de'] });
    await gw.db.prisma.run.update({ where: { id: run }, data: { status: 'SUCCEEDED' } });
    const first = await evaluate({ runId: run, suites: ['MLQA_R'], idempotencyKey: 'eval-once' });
    const before = await counts();
    const second = await evaluate({ runId: run, suites: ['MLQA_R'], idempotencyKey: 'eval-once' });
    assert.equal(second.id, first.id);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await counts(), before);
    const jobsOfRun = await gw.request<{ run: { jobs: Array<{ kind: string }> } }>('query($id: ID!) { run(id: $id) { jobs { kind } } }', { id: run });
    assert.deepEqual(jobsOfRun.data!.run.jobs, [{ kind: 'TRAIN' }, { kind: 'EVALUATE' }]);
  });
});

const iv = (estimate: number) => ({ estimate, lo: estimate - 0.05, hi: estimate + 0.05 });

/** What a worker writes for one retrieval suite: the report and its per-pair rows. */
async function writeRetrievalReport(data: Omit<Prisma.EvaluationReportUncheckedCreateInput, 'headlines' | 'queries' | 'dataset' | 'suite'>) {
  const cell = (setting: 'MONO' | 'CROSS' | 'MULTI', q: string, c: string, map: number, rankDistance: number | null = null) => ({
    setting, queryLanguage: q, candidateLanguage: c, map, recallAt1: map - 0.1, recallAt10: map + 0.1, ndcgAt10: map, mrrAt10: map / 2, rankDistance, count: 3,
  });
  return gw.db.prisma.evaluationReport.create({
    data: {
      ...data, suite: 'MLQA_R', dataset: 'mlqa-r', queries: 8,
      headlines: { 'multi.rankDistance': iv(4), 'cross.map': iv(0.55), 'mono.map': iv(0.8), 'multi.map': iv(0.4) },
      evaluations: {
        create: [
          cell('MONO', 'en', 'en', 0.9), cell('MONO', 'de', 'de', 0.7), cell('MONO', 'es', 'es', 0.8),
          cell('CROSS', 'en', 'de', 0.6), cell('CROSS', 'de', 'en', 0.5), cell('CROSS', 'es', 'en', 0.4),
          cell('MULTI', 'en', 'all', 0.45, 3), cell('MULTI', 'de', 'all', 0.35, 5),
        ],
      },
    },
  });
}

const ALIGNMENT = {
  languages: ['de', 'en'], meanTranslationAccuracy: 0.9, meanSimilarityIndex: 3.2, meanCka: 0.75, pooledMap: iv(0.6),
  translationAccuracy: [[1, 0.9], [0.9, 1]], cka: [[1, 0.75], [0.75, 1]],
};

describe('evaluations: reports written by a worker', () => {
  let jobId: string;
  let reportId: string;
  let validationId: string;

  before(async () => {
    const job = await evaluate({ runId: pawsxRun, suites: ['MLQA_R'], idempotencyKey: 'reports' });
    jobId = job.id;
    // A run target is evaluated at its latest checkpoint, which the worker records.
    reportId = (await writeRetrievalReport({ jobId, runId: pawsxRun, checkpointId: pawsxCheckpoint })).id;
    await gw.db.prisma.evaluationReport.create({
      data: { checkpointId: pawsxCheckpoint, suite: 'XNLI_ALIGNMENT', dataset: 'xnli', headlines: {}, alignment: ALIGNMENT, queries: 20 },
    });
    validationId = (await writeRetrievalReport({ runId: pawsxRun, step: 25 })).id;
    await writeRetrievalReport({ baseline: 'BM25' });
  });

  const REPORT = `id jobId runId checkpointId baseline suite dataset step queries headlines { name estimate lo hi }
    map: matrix(metric: MAP, setting: MONO_CROSS) { queryLanguages candidateLanguages values }
    rankDistance: matrix(metric: RANK_DISTANCE, setting: MULTI) { queryLanguages candidateLanguages values }
    pairs { setting queryLanguage candidateLanguage mrrAt10 rankDistance count }
    alignment { languages meanTranslationAccuracy meanSimilarityIndex meanCka pooledMap { estimate lo hi } translationAccuracy cka }`;

  interface ReportData {
    id: string;
    suite: string;
    step: number | null;
    headlines: Array<{ name: string; estimate: number }>;
    map: { queryLanguages: string[]; candidateLanguages: string[]; values: Array<Array<number | null>> } | null;
    rankDistance: { queryLanguages: string[]; candidateLanguages: string[]; values: Array<Array<number | null>> } | null;
    pairs: Array<{ setting: string; queryLanguage: string; candidateLanguage: string }>;
    alignment: typeof ALIGNMENT | null;
    [key: string]: unknown;
  }

  async function reports(filter: Record<string, unknown>): Promise<ReportData[]> {
    const result = await gw.request<{ evaluations: ReportData[] }>(
      `query($filter: EvaluationFilter) { evaluations(filter: $filter) { ${REPORT} } }`,
      { filter },
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data!.evaluations;
  }

  test('a retrieval report: target, headlines in table order, matrices from the rows, raw pairs', async () => {
    const [report, ...rest] = await reports({ jobId });
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { ...report, headlines: undefined, map: undefined, rankDistance: undefined, pairs: undefined },
      {
        id: reportId, jobId, runId: pawsxRun, checkpointId: pawsxCheckpoint, baseline: null, suite: 'MLQA_R', dataset: 'mlqa-r', step: null, queries: 8,
        alignment: null, headlines: undefined, map: undefined, rankDistance: undefined, pairs: undefined,
      },
    );
    assert.deepEqual(report!.headlines.map((h) => h.name), ['mono.map', 'cross.map', 'multi.map', 'multi.rankDistance']);
    assert.deepEqual(report!.headlines[0], { name: 'mono.map', estimate: 0.8, lo: 0.8 - 0.05, hi: 0.8 + 0.05 });
    // Mono on the diagonal, cross off it; es-de and de-es were not written.
    assert.deepEqual(report!.map, {
      queryLanguages: ['de', 'en', 'es'],
      candidateLanguages: ['de', 'en', 'es'],
      values: [[0.7, 0.5, null], [0.6, 0.9, null], [null, 0.4, 0.8]],
    });
    assert.deepEqual(report!.rankDistance, { queryLanguages: ['de', 'en'], candidateLanguages: ['all'], values: [[5], [3]] });
    assert.equal(report!.pairs.length, 8);
    assert.deepEqual(report!.pairs.slice(0, 2), [
      { setting: 'MONO', queryLanguage: 'de', candidateLanguage: 'de', mrrAt10: 0.35, rankDistance: null, count: 3 },
      { setting: 'MONO', queryLanguage: 'en', candidateLanguage: 'en', mrrAt10: 0.45, rankDistance: null, count: 3 },
    ]);
  });

  test('an XNLI report has its alignment summary and no matrix', async () => {
    const [xnli] = await reports({ checkpointId: pawsxCheckpoint, suite: 'XNLI_ALIGNMENT' });
    assert.deepEqual(xnli!.alignment, ALIGNMENT);
    assert.equal(xnli!.map, null);
    assert.deepEqual(xnli!.headlines, []);
  });

  test('filters: a run includes its checkpoints; baseline; during training or not; newest first', async () => {
    const ofRun = await reports({ runId: pawsxRun });
    assert.equal(ofRun.length, 3);
    assert.equal(ofRun[0]!.id, validationId, 'newest first');
    assert.deepEqual((await reports({ runId: pawsxRun, duringTraining: true })).map((r) => [r.id, r.step]), [[validationId, 25]]);
    assert.deepEqual((await reports({ runId: pawsxRun, duringTraining: false })).map((r) => r.suite).sort(), ['MLQA_R', 'XNLI_ALIGNMENT']);
    assert.deepEqual((await reports({ baseline: 'BM25' })).map((r) => r.baseline), ['BM25']);
    assert.deepEqual(await reports({ runId: mlqaRun }), []);
    const rankDistanceMonoCross = await gw.request('{ evaluations { matrix(metric: RANK_DISTANCE, setting: MONO_CROSS) { values } } }');
    assert.equal(rankDistanceMonoCross.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(rankDistanceMonoCross.errors?.[0]?.extensions?.field, 'metric');
  });

  test('Run.evaluations, Checkpoint.evaluations and Job.reports', async () => {
    const result = await gw.request<{
      run: { evaluations: Array<{ id: string; suite: string }>; checkpoints: Array<{ evaluations: Array<{ suite: string }> }> };
      jobs: Array<{ id: string; reports: Array<{ id: string }> }>;
    }>(
      `query($id: ID!) {
        run(id: $id) { evaluations { id suite } checkpoints { evaluations { suite } } }
        jobs(runId: $id) { id reports { id } }
      }`,
      { id: pawsxRun },
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.equal(result.data!.run.evaluations.length, 3);
    assert.equal(result.data!.run.evaluations.at(-1)!.id, validationId, 'oldest first');
    assert.deepEqual(result.data!.run.checkpoints[0]!.evaluations.map((r) => r.suite), ['MLQA_R', 'XNLI_ALIGNMENT']);
    assert.deepEqual(result.data!.jobs.find((j) => j.id === jobId)!.reports, [{ id: reportId }]);
  });

  test('deleting a report deletes its rows; deleting the job keeps the report', async () => {
    const extra = await writeRetrievalReport({ baseline: 'RANDOM' });
    await gw.db.prisma.evaluationReport.delete({ where: { id: extra.id } });
    assert.equal(await gw.db.prisma.evaluation.count({ where: { reportId: extra.id } }), 0);
    const job = await gw.db.prisma.job.create({ data: { kind: 'EVALUATE', idempotencyKey: 'to-delete', publishedAt: new Date() } });
    const kept = await writeRetrievalReport({ baseline: 'RANDOM', jobId: job.id });
    await gw.db.prisma.job.delete({ where: { id: job.id } });
    assert.equal((await gw.db.prisma.evaluationReport.findUniqueOrThrow({ where: { id: kept.id } })).jobId, null);
    await gw.db.prisma.evaluationReport.delete({ where: { id: kept.id } });
  });

  test('trainingProgress replays validations with their step and streams live ones once', async () => {
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      await gw.db.prisma.run.update({ where: { id: pawsxRun }, data: { status: 'RUNNING' } });
      await gw.db.prisma.metricPoint.createMany({
        data: [{ runId: pawsxRun, step: 25, name: 'loss', value: 1.2 }, { runId: pawsxRun, step: 25, name: 'validation_loss', value: 1.4 }],
      });
      const items: Array<{ step: number; loss: number | null; validationLoss: number | null; status: string; validations: Array<{ suite: string; headlines: Array<{ name: string; value: number }> }> }> = [];
      const done = (async () => {
        for await (const result of client.iterate({
          query: `subscription($runId: ID!) { trainingProgress(runId: $runId) { step loss validationLoss status validations { suite headlines { name value } } } }`,
          variables: { runId: pawsxRun },
        })) {
          assert.equal(result.errors, undefined, JSON.stringify(result.errors));
          items.push(result.data!.trainingProgress as (typeof items)[number]);
        }
      })();
      await until(() => items.length >= 1, 'the replayed item');
      const at = new Date().toISOString();
      const progress = { type: 'progress' as const, runId: pawsxRun, totalSteps: 100, loss: 1, learningRate: 0.001, pairsPerSecond: 10, status: 'RUNNING' as const, batchComposition: {}, at };
      // Already replayed (same step and suite), then a second suite at that step, then a new step.
      gw.bus.events.publish({ ...progress, step: 25, validation: { suite: 'MLQA_R', headlines: { 'mono.map': 0.8 } } });
      gw.bus.events.publish({ ...progress, step: 25, validation: { suite: 'XQUAD_R', headlines: { 'cross.map': 0.3, 'mono.map': 0.6 } } });
      gw.bus.events.publish({ ...progress, step: 30, validationLoss: 1.1 });
      await until(() => items.length >= 3, 'live items');
      gw.bus.events.publish({ type: 'runStatus', runId: pawsxRun, status: 'SUCCEEDED', error: null, at });
      await done;
      assert.deepEqual(items, [
        {
          step: 25, loss: 1.2, validationLoss: 1.4, status: 'RUNNING',
          validations: [{ suite: 'MLQA_R', headlines: [{ name: 'mono.map', value: 0.8 }, { name: 'cross.map', value: 0.55 }, { name: 'multi.map', value: 0.4 }, { name: 'multi.rankDistance', value: 4 }] }],
        },
        { step: 25, loss: 1, validationLoss: null, status: 'RUNNING', validations: [{ suite: 'XQUAD_R', headlines: [{ name: 'mono.map', value: 0.6 }, { name: 'cross.map', value: 0.3 }] }] },
        { step: 30, loss: 1, validationLoss: 1.1, status: 'RUNNING', validations: [] },
        { step: 30, loss: 1, validationLoss: 1.1, status: 'SUCCEEDED', validations: [] },
      ]);
    } finally {
      await client.dispose();
    }
  });
});
