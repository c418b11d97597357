// The gateway's experiment sweeper on its real timer (intervalMs 50) against a real (embedded)
// Postgres: an experiment whose worker died between settling a job and chaining the next step is
// advanced by the timer alone (schema/experiment-progress.ts says what advancing means), and
// stop() during a sweep waits for it, after which no sweep runs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase, type Database } from '../prisma/db.js';
import { planExperiment } from '../schema/experiment.js';
import { evaluationJobKey, reportJobKey } from '../schema/experiment-progress.js';
import { startExperimentSweeper } from '../api/experiment/experiment-sweeper.js';
import { waitFor } from './support/processes.js';
import { recordingBus, type RecordingBus } from './support/recording-bus.js';

let db: Database;

before(async () => {
  db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
});
after(async () => {
  await db?.close();
});

/**
 * A RUNNING experiment with one run whose training SUCCEEDED (run and TRAIN job settled), as a
 * worker leaves it when it dies right after settling: no EVALUATE job was chained.
 */
/** A trained run of seed 2: the smoke plan evaluates it DENSE only (its HYBRID evaluation is for seed 1). */
async function stalledExperiment(name: string) {
  const experiment = await db.prisma.experiment.create({ data: { name, preset: 'smoke', plan: planExperiment('smoke') as object, status: 'RUNNING' } });
  const run = await db.prisma.run.create({
    data: {
      experimentId: experiment.id, status: 'SUCCEEDED', strategy: 'MONO', alpha: 1, trainDatasets: ['mlqa-r'], languages: ['en'], seed: 2, evaluationSuites: ['XQUAD_R'],
      model: {}, hyperParameters: {},
      jobs: { create: { kind: 'TRAIN', status: 'SUCCEEDED', idempotencyKey: `${name}:train`, experimentId: experiment.id, publishedAt: new Date() } },
    },
  });
  return { experiment, run };
}

/** The database's Prisma client, counting the sweeps (each starts with one experiment.findMany). */
function countingPrisma() {
  const counter = { sweeps: 0 };
  const real = db.prisma;
  const experiment = {
    findMany: (args: Parameters<typeof real.experiment.findMany>[0]) => {
      counter.sweeps += 1;
      return real.experiment.findMany(args);
    },
    findUnique: (args: Parameters<typeof real.experiment.findUnique>[0]) => real.experiment.findUnique(args),
    updateMany: (args: Parameters<typeof real.experiment.updateMany>[0]) => real.experiment.updateMany(args),
  };
  const prisma = new Proxy(real, { get: (target, key) => (key === 'experiment' ? experiment : Reflect.get(target, key, target)) });
  return { prisma, counter };
}

const jobByKey = (idempotencyKey: string) => db.prisma.job.findUnique({ where: { idempotencyKey } });

test('the sweeper timer chains what a dead worker did not: the evaluation, then the report, each once', async () => {
  const stub = recordingBus();
  const { experiment, run } = await stalledExperiment('sweeper-chain');
  const finished = await db.prisma.experiment.create({ data: { name: 'sweeper-finished', preset: 'smoke', plan: planExperiment('smoke') as object, status: 'SUCCEEDED' } });
  await db.prisma.run.create({
    data: {
      experimentId: finished.id, status: 'SUCCEEDED', strategy: 'MONO', alpha: 1, trainDatasets: ['mlqa-r'], languages: ['en'], seed: 2, evaluationSuites: ['XQUAD_R'],
      model: {}, hyperParameters: {},
    },
  });
  const { prisma, counter } = countingPrisma();
  const sweeper = startExperimentSweeper({ prisma, bus: stub.bus, log: () => {} }, 50);
  try {
    // No one but the timer advances the experiment.
    const evaluation = await waitFor('the timer to chain the EVALUATE job', async () => {
      const job = await jobByKey(evaluationJobKey(experiment.id, run.id));
      return job?.publishedAt && job;
    });
    assert.deepEqual([evaluation.kind, evaluation.status, evaluation.runId, evaluation.experimentId], ['EVALUATE', 'QUEUED', run.id, experiment.id]);
    assert.deepEqual(stub.calls.filter((m) => m.jobId === evaluation.id), [{ jobId: evaluation.id, kind: 'EVALUATE', runId: run.id, workerClass: 'interactive' }]);
    assert.equal(await jobByKey(reportJobKey(experiment.id)), null, 'the evaluation is queued: no report yet');

    // The evaluation's worker settles it and dies before chaining the report.
    await db.prisma.job.update({ where: { id: evaluation.id }, data: { status: 'SUCCEEDED' } });
    const report = await waitFor('the timer to chain the REPORT job', async () => {
      const job = await jobByKey(reportJobKey(experiment.id));
      return job?.publishedAt && job;
    });
    assert.deepEqual([report.kind, report.status, report.experimentId], ['REPORT', 'QUEUED', experiment.id]);

    // Further sweeps change nothing: each job once, published once.
    const calls = stub.calls.length;
    const sweeps = counter.sweeps;
    await waitFor('three more timer sweeps', () => counter.sweeps >= sweeps + 3);
    assert.equal(await db.prisma.job.count({ where: { experimentId: experiment.id } }), 3, 'TRAIN, EVALUATE, REPORT');
    assert.equal(stub.calls.length, calls);
    assert.equal(stub.calls.filter((m) => m.jobId === report.id).length, 1);
    assert.equal(await db.prisma.job.count({ where: { experimentId: finished.id } }), 0, 'an experiment no longer RUNNING is left alone');
  } finally {
    await sweeper.stop();
    await stub.bus.close();
  }
});

test('stop() during a sweep waits for that sweep; no sweep runs afterwards', async () => {
  const stub = recordingBus();
  let release!: () => void;
  stub.hold = new Promise<void>((r) => (release = r));
  const { experiment, run } = await stalledExperiment('sweeper-stop');
  const { prisma, counter } = countingPrisma();
  const sweeper = startExperimentSweeper({ prisma, bus: stub.bus, log: () => {} }, 50);
  let stopped = false;
  let stopping: Promise<void> | undefined;
  try {
    const evaluation = await waitFor('a timer-driven sweep publishing the EVALUATE job', async () => {
      const job = await jobByKey(evaluationJobKey(experiment.id, run.id));
      return job && stub.calls.some((m) => m.jobId === job.id) && job;
    });
    const sweeps = counter.sweeps;
    stopping = sweeper.stop().then(() => void (stopped = true));
    // Many intervals pass while the publish is held: stop() keeps waiting, and no sweep starts.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stopped, false, 'stop() waits for the sweep in flight');
    assert.equal(counter.sweeps, sweeps);

    release();
    await stopping;
    assert.ok((await db.prisma.job.findUniqueOrThrow({ where: { id: evaluation.id } })).publishedAt, 'the sweep in flight finished before stop() returned');

    // Another stalled experiment, well past many intervals: no sweep touches it.
    const later = await stalledExperiment('sweeper-after-stop');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(counter.sweeps, sweeps, 'no sweep starts after stop()');
    assert.equal(await jobByKey(evaluationJobKey(later.experiment.id, later.run.id)), null, 'the later experiment is left as it was');
    assert.equal(stub.calls.filter((m) => m.jobId === evaluation.id).length, 1);
  } finally {
    release();
    await stopping;
    await sweeper.stop();
    await stub.bus.close();
  }
});
