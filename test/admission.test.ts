// Admission of held TRAIN jobs against real databases (Postgres, and the embedded PGlite): what
// enters the queue, in which order, under the depth, the share and a sweep's cap; concurrent
// callers never admit past the depth (the advisory lock); a failed publish leaves the job held.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../prisma/db.js';
import { createTestDatabase } from '../prisma/testing.js';
import { admitTrainings, reclaimAbandonedTrainings } from '../schema/bus/admit-trainings.js';
import { recordingBus } from './support/recording-bus.js';

for (const kind of ['postgres', 'embedded'] as const) {
  describe(`admission (${kind})`, () => {
    let db: Database;
    let drop: (() => Promise<void>) | undefined;
    const recording = recordingBus();
    const publisher = () => ({ prisma: db.prisma, bus: recording.bus, log: () => {}, trainingQueueDepth: 2 });

    before(async () => {
      if (kind === 'postgres') {
        const test = await createTestDatabase();
        drop = () => test.drop();
        db = await openDatabase({ kind: 'postgres', url: test.url }, { migrate: true });
      } else {
        db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
      }
    });
    after(async () => {
      await db.close();
      await drop?.();
      await recording.bus.close();
    });

    let clock = Date.parse('2026-12-06T00:00:00Z');
    async function held(share: string | null, options: { priority?: number; experimentId?: string; key?: string; requirements?: object } = {}) {
      const run = await db.prisma.run.create({
        data: {
          strategy: 'MONO', alpha: 1, trainDatasets: ['mlqa-r'], languages: ['en'], seed: 1, model: {}, hyperParameters: {}, createdByKeyId: share,
          ...(options.experimentId ? { experimentId: options.experimentId } : {}),
          jobs: {
            create: {
              kind: 'TRAIN', idempotencyKey: options.key ?? randomUUID(), createdAt: new Date(clock++), priority: options.priority ?? 0,
              ...(options.experimentId ? { experimentId: options.experimentId } : {}),
              ...(options.requirements ? { requirements: options.requirements } : {}),
            },
          },
        },
        include: { jobs: true },
      });
      return run.jobs[0]!.id;
    }
    const clear = async () => {
      await db.prisma.job.updateMany({ where: { status: { in: ['QUEUED', 'RUNNING'] } }, data: { status: 'CANCELLED' } });
      recording.calls.length = 0;
    };
    const admittedIds = () => recording.calls.map((c) => c.jobId);
    const start = (id: string) => db.prisma.job.update({ where: { id }, data: { status: 'RUNNING' } });

    test('a sweep of one key does not starve another key; priority goes first; the depth bounds what waits in the queue', async () => {
      await clear();
      const alice = await Promise.all([1, 2, 3, 4].map(() => held('alice')));
      const bob = await held('bob');
      assert.equal(await admitTrainings(publisher()), 2);
      // alice's oldest, then bob's (alice already has one admitted), though bob's is newer than all of alice's.
      assert.deepEqual(admittedIds(), [alice[0], bob]);
      const rows = await db.prisma.job.findMany({ where: { id: { in: [alice[0]!, bob] } } });
      assert.ok(rows.every((r) => r.publishedAt !== null));
      assert.equal(await admitTrainings(publisher()), 0, 'the queue holds its depth already');

      const urgent = await held('carol', { priority: 5 });
      await start(alice[0]!);
      assert.equal(await admitTrainings(publisher()), 1);
      assert.equal(admittedIds().at(-1), urgent, 'the newest job, with the highest priority, takes the freed slot');
      await start(bob);
      await start(urgent);
      assert.equal(await admitTrainings(publisher()), 2);
      assert.deepEqual(admittedIds().slice(-2), [alice[1], alice[2]]);
    });

    test('worker classes have separate depths: GPU jobs wait in their own line', async () => {
      await clear();
      const cpu = await Promise.all([1, 2, 3].map(() => held('alice')));
      const gpu = await held('alice', { requirements: { workerClass: 'gpu', reason: 'big' } });
      assert.equal(await admitTrainings(publisher()), 3);
      assert.deepEqual(new Set(admittedIds()), new Set([cpu[0], cpu[1], gpu]));
      assert.equal(recording.calls.find((c) => c.jobId === gpu)?.workerClass, 'gpu');
    });

    test('a sweep\'s trials go in trial order and never past its maxParallel, running ones included', async () => {
      await clear();
      const plan = { kind: 'sweep', trials: [], sweep: { maxParallel: 2, metric: { suite: 'XQUAD_R', setting: 'multi', metric: 'map' }, earlyTermination: null } };
      const sweep = await db.prisma.experiment.create({ data: { name: `sweep-${randomUUID()}`, plan, status: 'RUNNING' } });
      const same = new Date(clock++);
      const trials: string[] = [];
      for (const i of [0, 1, 2, 3]) trials.push(await held('alice', { experimentId: sweep.id, key: `experiment:${sweep.id}:train:${i}` }));
      await db.prisma.job.updateMany({ where: { id: { in: trials } }, data: { createdAt: same } });
      const deep = { ...publisher(), trainingQueueDepth: 10 };
      assert.equal(await admitTrainings(deep), 2);
      assert.deepEqual(admittedIds(), [trials[0], trials[1]]);
      await start(trials[0]!);
      assert.equal(await admitTrainings(deep), 0, 'a running trial still counts');
      await db.prisma.job.update({ where: { id: trials[0] }, data: { status: 'SUCCEEDED' } });
      assert.equal(await admitTrainings(deep), 1);
      assert.equal(admittedIds().at(-1), trials[2]);
      // A sweep that ended (cancelled while its trials are being cancelled) lets none in.
      await db.prisma.job.update({ where: { id: trials[1] }, data: { status: 'SUCCEEDED' } });
      await db.prisma.experiment.update({ where: { id: sweep.id }, data: { status: 'CANCELLED' } });
      assert.equal(await admitTrainings(deep), 0);
    });

    test('an admitted training whose message the queue gave up on is held again and re-admitted; one merely waiting is left alone', async () => {
      await clear();
      const job = await held('alice');
      assert.equal(await admitTrainings(publisher()), 1);
      const waiting = { ...publisher(), bus: { ...recording.bus, jobs: { ...recording.bus.jobs, abandoned: async () => false } } };
      assert.equal(await reclaimAbandonedTrainings(publisher(), 60_000), 0, 'touched moments ago');
      await db.prisma.$executeRaw`UPDATE "Job" SET "updatedAt" = now() - interval '1 hour' WHERE id = ${job}`;
      assert.equal(await reclaimAbandonedTrainings(waiting, 60_000), 0, 'its message still waits for a worker');
      // The recording bus keeps no message: to it, every published job is gone.
      assert.equal(await reclaimAbandonedTrainings(publisher(), 60_000), 1);
      const row = await db.prisma.job.findUniqueOrThrow({ where: { id: job } });
      assert.deepEqual([row.status, row.publishedAt, row.queueSeq], ['QUEUED', null, null]);
      assert.equal(await admitTrainings(publisher()), 1);
      assert.deepEqual(admittedIds(), [job, job]);
    });

    test('callers racing admit no more than the depth; a failed publish leaves the job held for the next call', async () => {
      await clear();
      await Promise.all([1, 2, 3, 4, 5].map(() => held('alice')));
      const counts = await Promise.all([1, 2, 3, 4].map(() => admitTrainings(publisher())));
      assert.equal(counts.reduce((a, b) => a + b, 0), 2);
      assert.equal(recording.calls.length, 2);
      assert.equal(await db.prisma.job.count({ where: { status: 'QUEUED', publishedAt: { not: null } } }), 2);

      await clear();
      const job = await held('alice');
      const failing = { ...publisher(), bus: { ...recording.bus, jobs: { ...recording.bus.jobs, publish: async () => { throw new Error('bus down'); } } } };
      assert.equal(await admitTrainings(failing), 0);
      assert.equal((await db.prisma.job.findUniqueOrThrow({ where: { id: job } })).publishedAt, null);
      assert.equal(await admitTrainings(publisher()), 1);
      assert.deepEqual(admittedIds(), [job]);
    });
  });
}
