// A sweep across worker processes on NATS JetStream and Postgres: alpha x seed x learning rate,
// at most maxParallel training at a time on two workers, the median rule stopping trials that
// learn nothing (the 1e-6 learning rate), the others evaluated and ranked with intervals, and
// sweepProgress streaming the sweep until it finished.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../prisma/testing.js';
import { medianDecision } from '../schema/sweep.js';
import { type AppProcess, collect, createKeyWithCli, dropJobStream, freePort, gql as gqlAs, startApp, waitFor, wsClient } from './support/processes.js';
import { dataDir, randomName, repoRoot } from './support/platform.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = randomName('sweep');
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let home: string;
let key: string;
let url: string;
const processes: AppProcess[] = [];
const gql = (query: string, variables?: Record<string, unknown>) => gqlAs(url, query, variables, key);

before(async () => {
  database = await createTestDatabase();
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-sweep-'));
  const env = {
    DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: prefix, DATA_DIR: dataDir, XLING_HOME: home,
    MODELS_DIR: path.resolve(repoRoot, '..', 'shared', 'models'), QDRANT_URL: 'http://127.0.0.1:9',
    JOB_ACK_WAIT_MS: '10000', JOB_HEARTBEAT_MS: '500', OUTBOX_INTERVAL_MS: '500',
  };
  key = await createKeyWithCli(env, 'sweep-admin', 'admin');
  const port = await freePort();
  const gateway = startApp('api/main.js', { ...env, PORT: String(port) });
  processes.push(gateway);
  url = `http://127.0.0.1:${port}/graphql`;
  await waitFor(`gateway\n${gateway.output()}`, async () => (await fetch(url.replace('/graphql', '/healthz')).catch(() => undefined))?.ok);
  // Two slots each: the sweep's maxParallel, not the workers, is what limits it.
  for (const id of ['worker-a', 'worker-b']) processes.push(startApp('gpu-worker/main.js', { ...env, WORKER_ID: id, WORKER_CONCURRENCY: '2' }));
  await waitFor('both workers', async () => (await gql('{ workers { id } }')).data?.workers.length === 2 || undefined);
});

after(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await dropJobStream(NATS_URL, prefix);
  await database.drop();
  await fs.rm(home, { recursive: true, force: true });
});

const SWEEP_FIELDS = `status counts { pending running evaluating done stoppedEarly failed cancelled }
  trials { index runId state step totalSteps bestValidationLoss stopReason params { alpha seed learningRate } result { estimate lo hi } rank tiedWithBest }
  ranking { index runId rank result { estimate lo hi } tiedWithBest }`;

test('a sweep of alpha x seed x learning rate runs across both workers, stops the hopeless trials early and ranks the rest', async () => {
  const started = await gql(`mutation($input: StartSweepInput!) { startSweep(input: $input) { id } }`, {
    input: {
      name: 'alpha x seed',
      base: {
        strategy: 'HYBRID', trainDatasets: ['mlqa-r'], languages: ['en', 'de', 'es'], steps: 60, batchSize: 16,
        model: { family: 'BAG_OF_SUBWORDS', dimension: 32, vocabularySize: 4096 }, validationFraction: 0.2, validateEvery: 10, logEvery: 10,
      },
      grid: { alpha: [0.25, 0.75], seed: [1, 2], learningRate: [0.005, 0.000001] },
      evaluate: ['XQUAD_R'],
      metric: { suite: 'XQUAD_R', setting: 'multi', metric: 'map' },
      earlyTermination: { minValidations: 3, minTrials: 2 },
      maxParallel: 2,
      bootstrap: 200,
      queriesPerLanguage: 40,
    },
  });
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  const experimentId = started.data.startSweep.id as string;

  const client = wsClient(url, key);
  const snapshots = await collect(client, `subscription($id: ID!) { sweepProgress(experimentId: $id) { ${SWEEP_FIELDS} } }`, { id: experimentId })
    .finally(() => client.dispose());
  const events = snapshots.map((s) => s.sweepProgress);
  assert.ok(events.length >= 3, `${events.length} snapshots`);
  assert.equal(events[0].trials.length, 8);
  assert.equal(events.at(-1).status, 'SUCCEEDED');
  assert.ok(events.every((e) => e.counts.running <= 2), `never more than maxParallel training: ${events.map((e) => e.counts.running).join(',')}`);
  assert.ok(events.some((e) => e.trials.some((t: { state: string; step: number }) => t.state === 'RUNNING' && t.step > 0)), 'steps stream while trials train');

  const { data } = await gql(`query($id: ID!) { experiment(id: $id) { status sweep { ${SWEEP_FIELDS} } } }`, { id: experimentId });
  const sweep = data.experiment.sweep;
  assert.equal(data.experiment.status, 'SUCCEEDED');
  assert.deepEqual(events.at(-1).ranking, sweep.ranking, 'the last snapshot is the final state');

  // Once two trials completed, every trial that learns nothing is stopped by the median rule.
  const table = JSON.stringify(sweep.trials.map((t: any) => [t.index, t.params, t.state, t.step, t.bestValidationLoss]));
  const stopped = sweep.trials.filter((t: any) => t.state === 'STOPPED_EARLY');
  const hopeless = sweep.trials.filter((t: any) => t.index >= 2 && t.params.learningRate === 0.000001);
  assert.ok(hopeless.every((t: any) => t.state === 'STOPPED_EARLY'), table);
  for (const t of stopped) {
    assert.equal(t.stopReason, 'MEDIAN_RULE');
    assert.ok(t.step >= 30 && t.step < t.totalSteps, `stopped at ${t.step}, after its minValidations (3)`);
    assert.equal(t.result, null, 'a stopped trial is not evaluated');
  }
  // A learner compared with one learner and one hopeless trial is far better than their median.
  const second = sweep.trials.find((t: any) => t.index === 2);
  assert.deepEqual([second.params.learningRate, second.state, second.step, second.stopReason], [0.005, 'DONE', 60, null], table);

  // Every stop agrees with the rule: against the trials that had completed before it ended.
  const details = await Promise.all(sweep.trials.map(async (t: any) => {
    const { data: run } = await gql('query($id: ID!) { run(id: $id) { finishedAt metrics(names: ["validation_loss"]) { step value } } }', { id: t.runId });
    return { finishedAt: Date.parse(run.run.finishedAt), points: run.run.metrics.map((m: { step: number; value: number }) => ({ step: m.step, loss: m.value })) };
  }));
  for (const t of stopped) {
    const completed = sweep.trials
      .filter((o: any) => o.state === 'DONE' && details[o.index]!.finishedAt < details[t.index]!.finishedAt)
      .map((o: any) => details[o.index]!.points);
    const decision = medianDecision(details[t.index]!.points, completed, t.step, { rule: 'MEDIAN', minValidations: 3, minTrials: 2 });
    assert.equal(decision.reason, 'compared');
    assert.equal(decision.stop, true, JSON.stringify(decision));
  }
  // The first trials had no completed trial to compare with: they trained to the end, learning or not.
  assert.ok(sweep.trials.slice(0, 2).every((t: any) => t.state === 'DONE'), JSON.stringify(sweep.trials.slice(0, 2)));

  // Ranked: every evaluated trial, best first, each estimate inside its interval.
  const done = sweep.trials.filter((t: any) => t.state === 'DONE');
  assert.equal(sweep.ranking.length, done.length);
  assert.deepEqual(sweep.ranking.map((r: any) => r.rank), done.map((_: unknown, i: number) => i + 1));
  for (let i = 0; i < sweep.ranking.length; i++) {
    const { estimate, lo, hi } = sweep.ranking[i].result;
    assert.ok(lo <= estimate && estimate <= hi && hi - lo > 0, JSON.stringify(sweep.ranking[i]));
    if (i > 0) assert.ok(sweep.ranking[i - 1].result.estimate >= estimate);
  }
  assert.equal(sweep.ranking[0].tiedWithBest, true);

  // Across both workers, and never more than two trainings at once (their recorded times).
  const runs = await Promise.all(sweep.trials.map(async (t: any) => (await gql('query($id: ID!) { run(id: $id) { startedAt finishedAt jobs { kind workerId } } }', { id: t.runId })).data.run));
  const workers = new Set(runs.flatMap((r: any) => r.jobs.filter((j: any) => j.kind === 'TRAIN').map((j: any) => j.workerId)));
  assert.deepEqual([...workers].sort(), ['worker-a', 'worker-b']);
  const spans = runs.map((r: any) => [Date.parse(r.startedAt), Date.parse(r.finishedAt)] as const);
  for (const [start] of spans) {
    const overlapping = spans.filter(([s, f]) => s <= start && start < f).length;
    assert.ok(overlapping <= 2, `${overlapping} trainings at ${new Date(start).toISOString()}`);
  }
});
