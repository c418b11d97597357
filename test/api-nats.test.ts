// Two gateways on one NATS and one Postgres (this machine's services): a run started through one
// streams its progress through the other, because each gateway feeds bus events to its PubSub.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { openDatabase, type Database } from '../prisma/db.js';
import { createTestDatabase, type TestDatabase } from '../prisma/testing.js';
import type { Bus } from '../schema/bus.js';
import { connectNatsBus } from '../schema/bus/nats.js';
import { dropJobStream } from './support/processes.js';
import { buildApp, type App } from '../api/app.js';
import { testConfig, writeTestData } from '../api/testing.js';

const servers = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = `apitest${randomBytes(4).toString('hex')}`;
let database: TestDatabase;
let db: Database;
let dataDir: string;
const buses: Bus[] = [];
const apps: App[] = [];
const urls: string[] = [];

before(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ kind: 'postgres', url: database.url }, { migrate: true });
  dataDir = await mkdtemp(path.join(tmpdir(), 'xling-api-nats-'));
  await writeTestData(dataDir);
  for (let i = 0; i < 3; i++) buses.push(await connectNatsBus({ servers, prefix, maxDeliveries: 3, ackWaitMs: 5_000 }));
  for (const bus of buses.slice(0, 2)) {
    const app = buildApp({ config: testConfig(dataDir), db, bus, log: () => {} });
    apps.push(app);
    urls.push((await app.start()).url);
  }
});

after(async () => {
  for (const app of apps) await app.stop();
  for (const bus of buses) await bus.close();
  await db?.close();
  await dropJobStream(servers, prefix);
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('progress of a run started on gateway A streams through gateway B and A alike', async () => {
  const response = await fetch(urls[0]!, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation { startTrainingRun(input: { steps: 10 }) { id } }' }),
  });
  const body = (await response.json()) as { data: { startTrainingRun: { id: string } } };
  const runId = body.data.startTrainingRun.id;

  const clients = urls.map((url) => createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 }));
  const received: Array<Array<{ step: number; status: string }>> = clients.map(() => []);
  const readers = clients.map(async (client, i) => {
    const query = 'subscription($runId: ID!) { trainingProgress(runId: $runId) { step status } }';
    for await (const result of client.iterate({ query, variables: { runId } })) {
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      received[i]!.push(result.data!.trainingProgress as { step: number; status: string });
    }
  });

  // The "worker": a third bus connection. Repeat step 1 until both gateways have delivered it,
  // since each subscription becomes active asynchronously; repeats of a step are not re-sent.
  const worker = buses[2]!;
  const at = () => new Date().toISOString();
  const deadline = Date.now() + 10_000;
  while (received.some((items) => items.length === 0)) {
    assert.ok(Date.now() < deadline, 'both gateways deliver live progress');
    worker.events.publish({
      type: 'progress', runId, step: 1, totalSteps: 10, loss: 3, learningRate: 0.001, pairsPerSecond: 10,
      status: 'RUNNING', batchComposition: { 'en-de': 2 }, at: at(),
    });
    await new Promise((r) => setTimeout(r, 50));
  }
  worker.events.publish({ type: 'runStatus', runId, status: 'SUCCEEDED', error: null, at: at() });
  await Promise.all(readers);
  for (const client of clients) await client.dispose();

  for (const items of received) {
    assert.deepEqual(items, [{ step: 1, status: 'RUNNING' }, { step: 1, status: 'SUCCEEDED' }]);
  }
});
