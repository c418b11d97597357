// Capability routing across processes on NATS JetStream and Postgres: a PRETRAINED run from
// GPU_REQUIRED_PARAMETERS parameters waits, WAITING_FOR_WORKER with its reason, while a CPU worker
// takes the other jobs; it starts when a worker serving the GPU class joins. (No GPU here: the
// joining worker declares the class with WORKER_CLASSES, as an operator may for a CPU node.)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createTestDatabase } from '../prisma/testing.js';
import { subjectsFor } from '../schema/subjects.js';
import { type AppProcess, createKeyWithCli, dropJobStream, freePort, gql as gqlAs, startApp, waitFor } from './support/processes.js';
import { START_RUN, dataDir, randomName, repoRoot, smallRun } from './support/platform.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = randomName('cap');
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let home: string;
let env: Record<string, string>;
let key: string;
let url: string;
const processes: AppProcess[] = [];
const gql = (query: string, variables?: Record<string, unknown>) => gqlAs(url, query, variables, key);

before(async () => {
  database = await createTestDatabase();
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-capabilities-'));
  env = {
    DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: prefix, DATA_DIR: dataDir, XLING_HOME: home,
    MODELS_DIR: path.resolve(repoRoot, '..', 'shared', 'models'), QDRANT_URL: 'http://127.0.0.1:9',
    JOB_ACK_WAIT_MS: '5000', JOB_HEARTBEAT_MS: '500',
  };
  key = await createKeyWithCli(env, 'cap-admin', 'admin');
  const port = await freePort();
  // tiny-bert (about 0.3 M parameters) counts as base-size here.
  const gateway = startApp('api/main.js', { ...env, PORT: String(port), GPU_REQUIRED_PARAMETERS: '1000' });
  processes.push(gateway);
  url = `http://127.0.0.1:${port}/graphql`;
  await waitFor(`gateway\n${gateway.output()}`, async () => (await fetch(url.replace('/graphql', '/healthz')).catch(() => undefined))?.ok);
  processes.push(startApp('gpu-worker/main.js', { ...env, WORKER_ID: 'cpu-worker' }));
  await waitFor('the CPU worker', async () => (await gql('{ workers { id workerClasses } }')).data?.workers.length === 1 || undefined);
});

after(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await dropJobStream(NATS_URL, prefix);
  await database.drop();
  await fs.rm(home, { recursive: true, force: true });
});

const JOBS = 'query($runId: ID!) { jobs(runId: $runId) { id status state workerClass waitingFor workerId } }';
const pretrained = (extra: Record<string, unknown> = {}) => ({
  strategy: 'HYBRID', alpha: 0.5, trainDatasets: ['mlqa-r'], languages: ['en', 'de'], steps: 4, batchSize: 8, seed: 3, baseModel: 'tiny-bert', model: { maxLength: 32 }, ...extra,
});
const finished = (runId: string) => waitFor(`run ${runId}`, async () => {
  const { data } = await gql('query($id: ID!) { run(id: $id) { status error jobs { workerId } } }', { id: runId });
  return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(data?.run.status) && data.run;
}, 120_000);

test('a GPU-sized run waits with its reason while CPU work goes on, and starts when a GPU-class worker joins', async () => {
  const { data: workers } = await gql('{ workers { id workerClasses hostMemoryBytes modelFamilies } }');
  assert.deepEqual(workers.workers[0].workerClasses, ['interactive', 'cpu'], 'a worker without a GPU backend serves the interactive and CPU classes');
  assert.ok(workers.workers[0].hostMemoryBytes > 0);
  const registered = await gql('mutation { registerModel(input: { name: "tiny-bert", path: "tiny-bert" }) { name parameters } }');
  assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));

  const large = await gql(START_RUN, { input: pretrained() });
  assert.equal(large.errors, undefined, JSON.stringify(large.errors));
  const largeId = large.data.startTrainingRun.id as string;
  const [waiting] = (await gql(JOBS, { runId: largeId })).data.jobs;
  assert.deepEqual([waiting.status, waiting.state, waiting.workerClass], ['QUEUED', 'WAITING_FOR_WORKER', 'gpu']);
  assert.match(waiting.waitingFor, /^no live GPU worker: a PRETRAINED model of [\d.]+ M parameters trains on a GPU worker \(allowCpu lets a CPU worker take it\); it starts when one joins$/);

  // A waiting run cancelled leaves the queue at once: only the first GPU job is left there.
  const dropped = await gql(START_RUN, { input: pretrained({ seed: 9 }) });
  const droppedId = dropped.data.startTrainingRun.id as string;
  const gpuPending = async () => {
    const nc = await connect({ servers: NATS_URL });
    try {
      const { jobStream, jobConsumer } = subjectsFor(prefix);
      return (await (await jetstreamManager(nc)).consumers.info(jobStream, jobConsumer('gpu'))).num_pending;
    } finally {
      await nc.close();
    }
  };
  assert.equal(await gpuPending(), 2);
  assert.equal((await gql('mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: droppedId })).errors, undefined);
  assert.equal(await gpuPending(), 1);

  // The CPU worker takes the other jobs meanwhile, a small run and the same model with allowCpu.
  const small = await gql(START_RUN, { input: smallRun({ steps: 10 }) });
  const allowed = await gql(START_RUN, { input: pretrained({ allowCpu: true, seed: 4 }) });
  for (const started of [small, allowed]) {
    const run = await finished(started.data.startTrainingRun.id);
    assert.deepEqual([run.status, run.jobs[0].workerId], ['SUCCEEDED', 'cpu-worker'], run.error);
  }
  const [still] = (await gql(JOBS, { runId: largeId })).data.jobs;
  assert.deepEqual([still.state, still.workerId], ['WAITING_FOR_WORKER', null], 'the CPU worker never took it');

  // An evaluation does not wait for a training to end: it runs on the worker's interactive slot
  // while its only job slot (WORKER_CONCURRENCY=1) trains.
  const long = await gql(START_RUN, { input: smallRun({ steps: 100_000, seed: 11 }) });
  const longId = long.data.startTrainingRun.id as string;
  await waitFor('the long run trains', async () => (await gql('query($id: ID!) { run(id: $id) { status } }', { id: longId })).data.run.status === 'RUNNING' || undefined);
  const evaluation = await gql('mutation { evaluate(input: { baseline: BM25, suites: [MLQA_R], bootstrap: 100, queriesPerLanguage: 10 }) { id } }');
  assert.equal(evaluation.errors, undefined, JSON.stringify(evaluation.errors));
  const evaluated = await waitFor('the evaluation', async () => {
    const { data } = await gql('{ jobs(first: 20) { id status workerClass workerId } }');
    const job = data.jobs.find((j: { id: string }) => j.id === evaluation.data.evaluate.id);
    return ['SUCCEEDED', 'FAILED'].includes(job?.status) && job;
  }, 120_000);
  assert.deepEqual([evaluated.status, evaluated.workerClass, evaluated.workerId], ['SUCCEEDED', 'interactive', 'cpu-worker']);
  assert.equal((await gql('query($id: ID!) { run(id: $id) { status } }', { id: longId })).data.run.status, 'RUNNING', 'while the training went on');
  await gql('mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: longId });

  processes.push(startApp('gpu-worker/main.js', { ...env, WORKER_ID: 'gpu-worker', WORKER_CLASSES: 'gpu,cpu' }));
  const run = await finished(largeId);
  assert.deepEqual([run.status, run.jobs[0].workerId], ['SUCCEEDED', 'gpu-worker'], run.error);
  const [done] = (await gql(JOBS, { runId: largeId })).data.jobs;
  assert.deepEqual([done.state, done.waitingFor], ['SUCCEEDED', null]);
  const { data: cancelledJobs } = await gql('query($runId: ID!) { jobs(runId: $runId) { status attempts workerId } }', { runId: droppedId });
  assert.deepEqual(cancelledJobs.jobs, [{ status: 'CANCELLED', attempts: 0, workerId: null }], 'never delivered');
  assert.equal(await gpuPending(), 0);
});
