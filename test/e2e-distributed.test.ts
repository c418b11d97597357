// The cluster path end to end: two gateways and two workers as separate processes on this
// machine's NATS JetStream and Postgres. A run started on one gateway streams its progress
// through the other; a worker killed mid-job leaves the job to the surviving worker.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../prisma/testing.js';
import { type AppProcess, collect, createKeyWithCli, dropJobStream, freePort, gql as gqlAs, startApp, waitFor, wsClient } from './support/processes.js';
import { PROGRESS, RUN, START_RUN, dataDir, randomName, smallRun } from './support/platform.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

describe('distributed platform (NATS + Postgres, separate processes)', () => {
  const prefix = randomName('e2e');
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let home: string;
  let env: Record<string, string>;
  const gateways: Array<{ app: AppProcess; url: string }> = [];
  const workers = new Map<string, AppProcess>();

  // Distributed mode requires API keys; the tests act as an admin created with `npm run keys`.
  let key: string;
  const gql = (url: string, query: string, variables?: Record<string, unknown>) => gqlAs(url, query, variables, key);
  const startWorker = (id: string) => workers.set(id, startApp('gpu-worker/main.js', { ...env, WORKER_ID: id })).get(id)!;

  before(async () => {
    database = await createTestDatabase();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-e2e-'));
    env = {
      DATABASE_URL: database.url,
      NATS_URL,
      NATS_PREFIX: prefix,
      DATA_DIR: dataDir,
      XLING_HOME: home,
      // Workers here share XLING_HOME, and only one could own its embedded vector store. These tests
      // index no collection, and the Qdrant store connects on its first request only (gpu-worker/vectors/qdrant.ts),
      // so a loopback port where nothing listens will do: any use of it would fail at once.
      QDRANT_URL: 'http://127.0.0.1:9',
      JOB_ACK_WAIT_MS: '3000',
      JOB_HEARTBEAT_MS: '500',
      JOB_MAX_DELIVERIES: '3',
    };
    key = await createKeyWithCli(env, 'e2e-admin', 'admin');
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      gateways.push({ app: startApp('api/main.js', { ...env, PORT: String(port) }), url: `http://127.0.0.1:${port}/graphql` });
    }
    startWorker('worker-a');
    startWorker('worker-b');
    for (const { url, app } of gateways) {
      await waitFor(`gateway ${url}\n${app.output()}`, async () => (await fetch(url.replace('/graphql', '/healthz'))).ok);
    }
    await waitFor('two workers registered', async () => {
      const { data } = await gql(gateways[0]!.url, '{ workers { id } }');
      return data?.workers.length === 2;
    });
  });

  after(async () => {
    await Promise.all([...gateways.map((g) => g.app), ...workers.values()].map((p) => p.kill('SIGKILL')));
    await dropJobStream(NATS_URL, prefix);
    await database.drop();
    await fs.rm(home, { recursive: true, force: true });
  });

  test('a run started on gateway A streams its progress through gateway B and completes', async () => {
    const [a, b] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];
    const anonymous = await gqlAs(a.url, START_RUN, { input: smallRun() });
    assert.equal(anonymous.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', 'distributed mode requires keys');
    const started = await gql(a.url, START_RUN, { input: smallRun() });
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    assert.equal(started.data.startTrainingRun.createdBy, 'e2e-admin');
    const runId = started.data.startTrainingRun.id as string;

    const client = wsClient(b.url, key);
    const items = await collect(client, PROGRESS, { runId, sinceStep: 0 });
    await client.dispose();

    const last = items.at(-1)!.trainingProgress;
    assert.equal(last.status, 'SUCCEEDED');
    const steps = items.map((i) => i.trainingProgress.step as number);
    assert.deepEqual(steps, [...steps].sort((x, y) => x - y), 'progress arrives in step order');
    assert.equal(Math.max(...steps), 20);
    // Status changes without a training step (RUNNING, the final SUCCEEDED) carry no loss.
    const measured = items.map((i) => i.trainingProgress).filter((p) => p.loss !== null);
    assert.ok(measured.length >= 2, 'several measured steps');
    for (const p of measured) {
      assert.ok(Number.isFinite(p.loss) && p.loss > 0, `loss ${p.loss}`);
      assert.ok(p.pairsPerSecond > 0 && p.learningRate > 0);
      assert.equal(p.totalSteps, 20);
    }
    const composition = items.flatMap((i) => i.trainingProgress.batchComposition);
    assert.ok(composition.length > 0, 'batch composition is streamed');

    const { data } = await gql(a.url, RUN, { id: runId });
    assert.equal(data.run.status, 'SUCCEEDED');
    assert.ok(data.run.backend, 'backend recorded');
    assert.ok(data.run.metrics.length >= 2, 'loss curve stored');
    assert.equal(data.run.checkpoints.length, 1);
    assert.equal(data.run.jobs[0].status, 'SUCCEEDED');
  });

  test('a worker killed mid-job leaves the job to the other worker, which finishes it', async () => {
    const gateway = gateways[0]!;
    const started = await gql(gateway.url, START_RUN, { input: smallRun({ steps: 400, batchSize: 16, seed: 11 }) });
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    const runId = started.data.startTrainingRun.id as string;

    const owner = await waitFor('the job to start on a worker', async () => {
      const { data } = await gql(gateway.url, RUN, { id: runId });
      const job = data?.run.jobs[0];
      return job?.status === 'RUNNING' && data.run.metrics.length > 0 ? (job.workerId as string) : undefined;
    });
    const victim = workers.get(owner)!;
    await victim.kill('SIGKILL');

    const finished = await waitFor(
      'the run to finish on the surviving worker',
      async () => {
        const { data } = await gql(gateway.url, RUN, { id: runId });
        return data?.run.status === 'SUCCEEDED' ? data.run : undefined;
      },
      180_000,
    );
    const job = finished.jobs[0];
    assert.notEqual(job.workerId, owner, 'finished by the other worker');
    assert.equal(job.attempts, 2, 'second delivery');
    assert.equal(job.status, 'SUCCEEDED');
    startWorker(owner);
  });

  test('SIGTERM stops a worker cleanly and its in-flight job is redelivered, not lost', async () => {
    const gateway = gateways[0]!;
    const started = await gql(gateway.url, START_RUN, { input: smallRun({ steps: 400, seed: 13 }) });
    const runId = started.data.startTrainingRun.id as string;
    const owner = await waitFor('the job to start on a worker', async () => {
      const { data } = await gql(gateway.url, RUN, { id: runId });
      const job = data?.run.jobs[0];
      return job?.status === 'RUNNING' && data.run.metrics.length > 0 ? (job.workerId as string) : undefined;
    });
    const code = await workers.get(owner)!.kill('SIGTERM');
    assert.equal(code, 0, 'clean exit on SIGTERM');

    const finished = await waitFor(
      'the run to finish elsewhere',
      async () => {
        const { data } = await gql(gateway.url, RUN, { id: runId });
        return data?.run.status === 'SUCCEEDED' ? data.run : undefined;
      },
      180_000,
    );
    assert.notEqual(finished.jobs[0].workerId, owner);
    assert.equal(finished.jobs[0].attempts, 2);
  });
});
