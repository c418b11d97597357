// PrismaClient through both driver adapters on a freshly migrated database: writes, reads, relations,
// and the unique constraint of MetricPoint surfacing as Prisma's P2002.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openDatabase, type Database, type DatabaseTarget } from '../prisma/db.js';
import { Prisma } from '../prisma/generated/client.js';
import { createTestDatabase, type TestDatabase } from '../prisma/testing.js';

async function crudSmoke(db: Database): Promise<void> {
  const { prisma } = db;
  const experiment = await prisma.experiment.create({ data: { name: 'hybrid-vs-mono', description: 'smoke' } });
  const run = await prisma.run.create({
    data: {
      experimentId: experiment.id,
      strategy: 'HYBRID',
      alpha: 0.5,
      model: { layers: 2, dim: 256 },
      trainDatasets: ['wiki-de-en'],
      languages: ['de', 'en'],
      seed: 7,
      hyperParameters: { lr: 3e-4 },
    },
  });
  assert.equal(run.status, 'QUEUED');
  assert.ok(run.updatedAt instanceof Date);

  await prisma.metricPoint.createMany({
    data: [
      { runId: run.id, step: 1, name: 'loss', value: 2.5 },
      { runId: run.id, step: 2, name: 'loss', value: 1.25 },
    ],
  });
  const duplicate = prisma.metricPoint.create({ data: { runId: run.id, step: 1, name: 'loss', value: 9 } });
  await assert.rejects(duplicate, (error) => {
    assert.ok(error instanceof Prisma.PrismaClientKnownRequestError, String(error));
    assert.equal(error.code, 'P2002');
    return true;
  });

  const loaded = await prisma.experiment.findUniqueOrThrow({
    where: { name: 'hybrid-vs-mono' },
    include: { runs: { include: { metrics: { orderBy: { step: 'asc' } } } } },
  });
  assert.equal(loaded.runs.length, 1);
  assert.deepEqual(loaded.runs[0]!.metrics.map((m) => [m.step, m.value]), [[1, 2.5], [2, 1.25]]);
  assert.equal(typeof loaded.runs[0]!.metrics[0]!.id, 'bigint');
  assert.deepEqual(loaded.runs[0]!.model, { layers: 2, dim: 256 });
  assert.deepEqual(loaded.runs[0]!.languages, ['de', 'en']);

  const updated = await prisma.run.update({ where: { id: run.id }, data: { status: 'RUNNING', startedAt: new Date() } });
  assert.equal(updated.status, 'RUNNING');
  await prisma.$transaction(async (tx) => {
    await tx.run.update({ where: { id: run.id }, data: { status: 'SUCCEEDED', finishedAt: new Date() } });
  });
  // Cascade from Run to its metric points, SetNull from Experiment to its runs.
  await prisma.experiment.delete({ where: { id: experiment.id } });
  assert.equal((await prisma.run.findUniqueOrThrow({ where: { id: run.id } })).experimentId, null);
  await prisma.run.delete({ where: { id: run.id } });
  assert.equal(await prisma.metricPoint.count(), 0);
}

describe('CRUD through PrismaClient', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const open = async (target: DatabaseTarget) => {
    const db = await openDatabase(target, { migrate: true });
    cleanups.push(() => db.close());
    return db;
  };

  test('PostgreSQL via @prisma/adapter-pg', async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const db = await open({ kind: 'postgres', url: database.url });
    assert.deepEqual(db.target, { kind: 'postgres', url: database.url });
    await crudSmoke(db);
  });

  test('embedded in-memory PGlite via pglite-prisma-adapter', async () => {
    await crudSmoke(await open({ kind: 'embedded', dataDir: null }));
  });
});
