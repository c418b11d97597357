// startSweep and training priorities at the gateway (no workers): bad input names its field and
// writes nothing; a sweep's trials are stored in order with their settings, held for admission
// and let into the queue at most maxParallel at a time; priorities above 0 are an admin's.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiKey } from '../api/auth/api-keys.js';
import { startTestGateway, type TestGateway } from '../api/testing.js';
import { dataDir } from './support/platform.js';

let gw: TestGateway;
let admin: string;
let trainer: string;

before(async () => {
  gw = await startTestGateway({ securityEnv: { AUTH: 'on' }, settings: () => ({ dataDir }) });
  admin = (await createApiKey(gw.db.prisma, 'sweep-admin', 'admin')).secret;
  trainer = (await createApiKey(gw.db.prisma, 'sweep-trainer', 'trainer')).secret;
});
after(() => gw.close());

const START_SWEEP = `mutation($input: StartSweepInput!) {
  startSweep(input: $input) {
    id name status
    sweep { status search varied maxParallel metric { suite setting metric } earlyTermination { rule minValidations minTrials }
      counts { pending running done }
      trials { index runId state params { strategy alpha seed learningRate batchSize } step totalSteps result { estimate } rank } ranking { index } }
  }
}`;
const base = { trainDatasets: ['mlqa-r'], languages: ['en', 'de', 'es'], steps: 20, batchSize: 8, validationFraction: 0.2, validateEvery: 5, model: { dimension: 16, vocabularySize: 1024 } };
const sweepInput = (extra: Record<string, unknown> = {}) => ({ base, grid: { alpha: [0.25, 0.75], seed: [1, 2] }, metric: { suite: 'XQUAD_R' }, ...extra });

async function refused(input: Record<string, unknown>, field: string, key = admin) {
  const before = { experiments: await gw.db.prisma.experiment.count(), runs: await gw.db.prisma.run.count() };
  const result = await gw.request(START_SWEEP, { input }, key);
  const error = result.errors?.[0];
  assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(result.errors));
  assert.equal(error?.extensions?.field, field, error?.message);
  assert.ok(error!.message.startsWith(`${field}: `), error!.message);
  assert.deepEqual({ experiments: await gw.db.prisma.experiment.count(), runs: await gw.db.prisma.run.count() }, before, 'nothing written');
  return error!;
}

test('a bad sweep names the field (the sweep\'s own, for a value the grid put in the run) and writes nothing', async () => {
  await refused(sweepInput({ random: { trials: 3 } }), 'input.grid');
  await refused({ base, metric: { suite: 'XQUAD_R' } }, 'input.grid');
  const alpha = await refused(sweepInput({ grid: { alpha: [0.5, 1.5] } }), 'input.grid.alpha');
  assert.equal(alpha.extensions?.value, 1.5);
  await refused(sweepInput({ grid: { seed: [1, 1] } }), 'input.grid.seed[1]');
  await refused(sweepInput({ grid: { seed: [] } }), 'input.grid.seed');
  await refused(sweepInput({ grid: { alpha: [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1], seed: [1, 2, 3, 4, 5, 6, 7, 8] } }), 'input.grid');
  await refused(sweepInput({ grid: undefined, random: { trials: 4, learningRate: { min: 0.01, max: 0.001 } } }), 'input.random.learningRate');
  await refused(sweepInput({ grid: undefined, random: { trials: 0 } }), 'input.random.trials');
  await refused(sweepInput({ metric: { suite: 'XNLI_ALIGNMENT' } }), 'input.metric.suite');
  await refused(sweepInput({ metric: { suite: 'XQUAD_R', setting: 'sideways' } }), 'input.metric.setting');
  await refused(sweepInput({ evaluate: ['MLQA_R'] }), 'input.evaluate');
  await refused(sweepInput({ maxParallel: 0 }), 'input.maxParallel');
  await refused(sweepInput({ base: { ...base, validationFraction: 0 }, earlyTermination: {} }), 'input.earlyTermination');
  await refused(sweepInput({ base: { ...base, steps: -1 } }), 'input.base.steps');
  await refused(sweepInput({ base: { ...base, experimentId: 'x' } }), 'input.base.experimentId');
  await refused(sweepInput({ grid: {} }), 'input.grid');
  await refused(sweepInput({ grid: undefined, random: { trials: 3 } }), 'input.random');
  await refused(sweepInput({ evaluate: ['XQUAD_R', 'BUCC2018'] }), 'input.evaluate[1]');
  await refused(sweepInput({ earlyTermination: { minTrials: 4 } }), 'input.earlyTermination.minTrials');
  await refused(sweepInput({ base: { ...base, validateEvery: 20 }, earlyTermination: {} }), 'input.earlyTermination');
  // A trainer may run as many trials as active runs it may have (10 by default).
  const tooMany = await gw.request(START_SWEEP, { input: sweepInput({ grid: { seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] } }) }, trainer);
  assert.equal(tooMany.errors?.[0]?.extensions?.code, 'RATE_LIMITED', JSON.stringify(tooMany.errors));
});

test('a grid sweep stores one run per combination in order, holds them for admission and lets in at most maxParallel', async () => {
  const result = await gw.request<{ startSweep: any }>(START_SWEEP, { input: sweepInput({ name: 'alpha-seed', maxParallel: 1, earlyTermination: { minValidations: 1 } }) }, admin);
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  const { id, status, sweep } = result.data!.startSweep;
  assert.equal(status, 'RUNNING');
  assert.equal(sweep.search, 'GRID');
  assert.deepEqual(sweep.varied, ['alpha', 'seed']);
  assert.deepEqual(sweep.metric, { suite: 'XQUAD_R', setting: 'multi', metric: 'map' });
  assert.deepEqual(sweep.earlyTermination, { rule: 'MEDIAN', minValidations: 1, minTrials: 2 });
  assert.deepEqual(sweep.trials.map((t: any) => [t.index, t.params.alpha, t.params.seed, t.state, t.totalSteps]), [
    [0, 0.25, 1, 'PENDING', 20], [1, 0.25, 2, 'PENDING', 20], [2, 0.75, 1, 'PENDING', 20], [3, 0.75, 2, 'PENDING', 20],
  ]);
  assert.deepEqual(sweep.ranking, []);
  assert.equal(sweep.counts.pending, 4);
  const jobs = await gw.db.prisma.job.findMany({ where: { experimentId: id, kind: 'TRAIN' }, include: { run: true }, orderBy: { idempotencyKey: 'asc' } });
  assert.equal(jobs.length, 4);
  assert.deepEqual(jobs.map((j) => j.publishedAt !== null), [true, false, false, false], 'only the first trial entered the queue');
  // Trials never train on what they are evaluated on.
  assert.ok(jobs.every((j) => j.run!.evaluationSuites.includes('XQUAD_R')));
  // A sweep is an experiment: listed, and its runs carry their trial.
  const listed = await gw.request<{ experiment: { kind: string; runs: Array<{ trial: number }> } }>('query($id: ID!) { experiment(id: $id) { kind runs { trial } } }', { id }, admin);
  assert.equal(listed.data!.experiment.kind, 'SWEEP');
  assert.deepEqual(listed.data!.experiment.runs.map((r) => r.trial).sort(), [0, 1, 2, 3]);
  // Every trial validates on the same held-out batches, so their losses compare.
  const shared = jobs.map((j) => (j.run!.hyperParameters as { validationSet?: unknown }).validationSet);
  assert.ok(shared.every((v) => JSON.stringify(v) === JSON.stringify(shared[0])));
  assert.deepEqual(shared[0], { seed: 1, alpha: 0.5, batchSize: 8, scale: (jobs[0]!.run!.hyperParameters as { scale: number }).scale });
  // The whole sweep is read one experiment at a time; over the list it is refused.
  const overList = await gw.request('{ experiments { id sweep { status } } }', {}, admin);
  assert.equal(overList.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(overList.errors?.[0]?.extensions?.field, 'sweep');
  // Its runs are its trials: none can be added by hand.
  const foreign = await gw.request('mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', { input: { ...base, experimentId: id } }, admin);
  assert.equal(foreign.errors?.[0]?.extensions?.field, 'input.experimentId');
  assert.equal(await gw.db.prisma.run.count({ where: { experimentId: id } }), 4);
});

test('a random sweep draws the same trials from the same sampler seed, inside its ranges', async () => {
  const input = (name: string) => sweepInput({ name, grid: undefined, random: { trials: 5, samplerSeed: 3, learningRate: { min: 1e-4, max: 1e-2, logScale: true }, seed: [4, 5] } });
  const a = await gw.request<{ startSweep: any }>(START_SWEEP, { input: input('random-a') }, admin);
  const b = await gw.request<{ startSweep: any }>(START_SWEEP, { input: input('random-b') }, admin);
  assert.equal(a.errors, undefined, JSON.stringify(a.errors));
  const params = (r: typeof a) => r.data!.startSweep.sweep.trials.map((t: any) => [t.params.learningRate, t.params.seed]);
  assert.deepEqual(params(a), params(b));
  assert.equal(a.data!.startSweep.sweep.search, 'RANDOM');
  for (const [lr, seed] of params(a)) {
    assert.ok(lr >= 1e-4 && lr <= 1e-2, String(lr));
    assert.ok([4, 5].includes(seed));
  }
});

test('priority: in [-10, 10]; above 0 needs an admin key; stored on the TRAIN job', async () => {
  const START = 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id jobs { priority publishedAt } } }';
  const out = await gw.request(START, { input: { ...base, priority: 11 } }, admin);
  assert.equal(out.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(out.errors?.[0]?.extensions?.field, 'input.priority');
  const raised = await gw.request(START, { input: { ...base, priority: 3 } }, trainer);
  assert.equal(raised.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  assert.equal(raised.errors?.[0]?.extensions?.field, 'input.priority');
  const lowered = await gw.request<{ startTrainingRun: { jobs: Array<{ priority: number }> } }>(START, { input: { ...base, priority: -2 } }, trainer);
  assert.equal(lowered.errors, undefined, JSON.stringify(lowered.errors));
  assert.deepEqual(lowered.data!.startTrainingRun.jobs.map((j) => j.priority), [-2]);
  const urgent = await gw.request<{ startTrainingRun: { jobs: Array<{ priority: number }> } }>(START, { input: { ...base, priority: 7 } }, admin);
  assert.deepEqual(urgent.data!.startTrainingRun.jobs.map((j) => j.priority), [7]);
});

test('/metrics reports the trainings held for admission per worker class (demand the queue lag does not show)', async () => {
  const response = await fetch(gw.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${admin}` } });
  assert.equal(response.status, 200);
  const text = await response.text();
  const held = (workerClass: string) => Number(new RegExp(`^xling_trainings_held\\{worker_class="${workerClass}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  const inDatabase = await gw.db.prisma.job.count({ where: { kind: 'TRAIN', status: 'QUEUED', publishedAt: null } });
  assert.ok(inDatabase >= 3, `${inDatabase} held: the sweeps above hold trials beyond their maxParallel`);
  assert.equal(held('cpu'), inDatabase);
  assert.equal(held('gpu'), 0);
});

test('cancelSweep stops the trials that have not ended and withdraws what was queued; trainers stop only their own', async () => {
  const started = await gw.request<{ startSweep: { id: string } }>(START_SWEEP, { input: sweepInput({ name: 'to-cancel', maxParallel: 1 }) }, admin);
  const id = started.data!.startSweep.id;
  const CANCEL = 'mutation($id: ID!) { cancelSweep(id: $id) { id status finishedAt } }';
  const refused = await gw.request(CANCEL, { id }, trainer);
  assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  assert.equal((await gw.db.prisma.run.count({ where: { experimentId: id, status: 'QUEUED' } })), 4, 'nothing cancelled by the refusal');
  const missing = await gw.request(CANCEL, { id: 'none' }, admin);
  assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');

  const cancelled = await gw.request<{ cancelSweep: { status: string; finishedAt: string } }>(CANCEL, { id }, admin);
  assert.equal(cancelled.errors, undefined, JSON.stringify(cancelled.errors));
  assert.equal(cancelled.data!.cancelSweep.status, 'CANCELLED');
  assert.ok(cancelled.data!.cancelSweep.finishedAt);
  assert.deepEqual(await gw.db.prisma.run.groupBy({ by: ['status'], where: { experimentId: id }, _count: true }).then((g) => g.map((x) => [x.status, x._count])), [['CANCELLED', 4]]);
  assert.equal(await gw.db.prisma.job.count({ where: { experimentId: id, status: { in: ['QUEUED', 'RUNNING'] } } }), 0);
  const again = await gw.request(CANCEL, { id }, admin);
  assert.equal(again.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  const { data } = await gw.request<{ experiment: { sweep: { status: string; counts: { cancelled: number } } } }>('query($id: ID!) { experiment(id: $id) { sweep { status counts { cancelled } } } }', { id }, admin);
  assert.deepEqual(data!.experiment.sweep, { status: 'CANCELLED', counts: { cancelled: 4 } });
});
