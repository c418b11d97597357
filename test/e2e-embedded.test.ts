// `npm start` path: gateway and worker in one process on embedded Postgres (PGlite) and the
// in-process bus, with no external service. State survives a restart.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collect, freePort, gql, startApp, waitFor, wsClient } from './support/processes.js';
import { PROGRESS, RUN, START_RUN, dataDir, smallRun } from './support/platform.js';

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-embedded-'));
after(() => fs.rm(home, { recursive: true, force: true }));

async function startEmbedded() {
  const port = await freePort();
  // No DATABASE_URL and no NATS_URL: the embedded defaults.
  const env: Record<string, string> = { PORT: String(port), XLING_HOME: home, DATA_DIR: dataDir, DATABASE_URL: '', NATS_URL: '' };
  const app = startApp('deploy/embedded.js', env);
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitFor(`embedded platform\n${app.output()}`, () => app.output().includes(url));
  return { app, url };
}

test('embedded mode runs a training run end to end and keeps it across a restart', async () => {
  const first = await startEmbedded();
  const started = await gql(first.url, START_RUN, { input: smallRun({ steps: 10 }) });
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  const runId = started.data.startTrainingRun.id as string;

  const client = wsClient(first.url);
  const items = await collect(client, PROGRESS, { runId });
  await client.dispose();
  assert.equal(items.at(-1)!.trainingProgress.status, 'SUCCEEDED');
  assert.equal(Math.max(...items.map((i) => i.trainingProgress.step as number)), 10);

  const { data } = await gql(first.url, RUN, { id: runId });
  assert.equal(data.run.status, 'SUCCEEDED');
  assert.ok(data.run.metrics.length > 0);
  assert.equal(await first.app.kill('SIGTERM'), 0, 'clean shutdown');

  const second = await startEmbedded();
  let longId = '';
  let stepsBeforeKill: number[] = [];
  try {
    const again = await gql(second.url, RUN, { id: runId });
    assert.equal(again.data.run.status, 'SUCCEEDED', 'run persisted under XLING_HOME');
    assert.deepEqual(again.data.run.metrics, data.run.metrics);

    // A process killed mid-run takes its in-process queue with it; the next start queues the
    // jobs it left again, and the run finishes from its checkpoint.
    const long = await gql(second.url, START_RUN, { input: smallRun({ steps: 400, checkpointEvery: 20, seed: 11 }) });
    longId = long.data.startTrainingRun.id as string;
    stepsBeforeKill = await waitFor('a checkpoint of the long run', async () => {
      const steps = (await gql(second.url, RUN, { id: longId })).data.run.checkpoints.map((c: { step: number }) => c.step);
      return steps.length > 0 ? steps : undefined;
    });
    await second.app.kill('SIGKILL');
  } finally {
    await second.app.kill('SIGTERM');
  }
  const third = await startEmbedded();
  try {
    assert.match(third.app.output(), /1 job\(s\) left by the previous process are queued again/);
    const done = await waitFor('the interrupted run', async () => {
      const { data: d } = await gql(third.url, RUN, { id: longId });
      return ['SUCCEEDED', 'FAILED'].includes(d.run.status) ? d.run : undefined;
    }, 120_000);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    assert.equal(done.jobs.length, 1, 'the same job, queued again');
    const steps = done.checkpoints.map((c: { step: number }) => c.step);
    for (const step of stepsBeforeKill) assert.ok(steps.includes(step), `checkpoint ${step} from before the kill is kept`);
    assert.equal(Math.max(...steps), 400);
  } finally {
    await third.app.kill('SIGTERM');
  }
});
