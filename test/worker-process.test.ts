// gpu-worker/main.js as an OS process on this machine's Postgres and NATS JetStream: it trains a
// published job, and on SIGTERM it exits 0 leaving its job to the next worker (attempt 2).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../prisma/db.js';
import { createTestDatabase, type TestDatabase } from '../prisma/testing.js';
import type { Bus } from '../schema/bus.js';
import { connectNatsBus } from '../schema/bus/nats.js';
import { automaticBackend, dataDir } from './support/platform.js';
import { dropJobStream, startApp, waitFor } from './support/processes.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = `wp${randomBytes(6).toString('hex')}`;
let database: TestDatabase;
let db: Database;
let bus: Bus;
let home: string;
let env: Record<string, string>;

before(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ kind: 'postgres', url: database.url }, { migrate: true });
  bus = await connectNatsBus({ servers: NATS_URL, prefix, maxDeliveries: 3, ackWaitMs: 10_000 });
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-worker-process-'));
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
    JOB_ACK_WAIT_MS: '10000',
    JOB_HEARTBEAT_MS: '200',
    JOB_MAX_DELIVERIES: '3',
  };
});

after(async () => {
  await bus.close();
  await db.close();
  await dropJobStream(NATS_URL, prefix);
  await database.drop();
  await fs.rm(home, { recursive: true, force: true });
});

async function publishRun(steps: number) {
  const run = await db.prisma.run.create({
    data: {
      strategy: 'CROSS',
      alpha: 0,
      model: { family: 'BAG_OF_SUBWORDS', dimension: 16, layers: 0, vocabularySize: 1024 },
      trainDatasets: ['mlqa-r'],
      languages: ['en', 'de'],
      seed: 1,
      hyperParameters: { steps, batchSize: 8, logEvery: 1, warmupSteps: 1 },
    },
  });
  const job = await db.prisma.job.create({ data: { kind: 'TRAIN', runId: run.id, idempotencyKey: randomUUID() } });
  await bus.jobs.publish({ jobId: job.id, kind: 'TRAIN', runId: run.id });
  return { runId: run.id, jobId: job.id };
}

test('SIGTERM mid-run exits 0 and leaves the job RUNNING; the next worker finishes it', async () => {
  const first = startApp('gpu-worker/main.js', { ...env, WORKER_ID: 'proc-a' });
  const { runId, jobId } = await publishRun(500);
  await waitFor(`first metric\n${first.output()}`, async () => (await db.prisma.metricPoint.count({ where: { runId } })) > 0, 30_000);
  assert.equal(await first.kill('SIGTERM'), 0, first.output());
  assert.match(first.output(), new RegExp(`job ${jobId}: left for redelivery \\(shutdown\\)`));
  const left = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
  assert.deepEqual([left.status, left.attempts, left.workerId], ['RUNNING', 1, 'proc-a']);

  const second = startApp('gpu-worker/main.js', { ...env, WORKER_ID: 'proc-b' });
  try {
    const run = await waitFor(
      `run SUCCEEDED\n${second.output()}`,
      async () => {
        const row = await db.prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { jobs: true, checkpoints: true } });
        // The job settles just after its run.
        return row.status === 'SUCCEEDED' && row.jobs.every((j) => j.status !== 'RUNNING') ? row : undefined;
      },
      60_000,
    );
    assert.deepEqual(run.jobs.map((j) => [j.status, j.attempts, j.workerId]), [['SUCCEEDED', 2, 'proc-b']]);
    // Resumable checkpoints every 50 steps (the default), and the final one.
    assert.deepEqual(run.checkpoints.map((c) => c.step).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => 50 * (i + 1)));
    assert.ok(run.backend!.startsWith(`${automaticBackend} (`), run.backend!);
    const steps = await db.prisma.metricPoint.findMany({ where: { runId, name: 'loss' }, select: { step: true } });
    assert.equal(steps.length, 500, 'one loss point per step, none duplicated by the second attempt');
  } finally {
    assert.equal(await second.kill('SIGTERM'), 0, second.output());
  }
});
