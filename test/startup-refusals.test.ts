// Setups refused at start, as OS processes: a second process on an XLING_HOME in use (it would open
// the same embedded database and requeue the first one's jobs) exits 1 with one line before
// opening anything. (A second worker on one embedded vector store: test/e2e-distributed-search.)

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RUN, START_RUN, dataDir, smallRun } from './support/platform.js';
import { gql, startApp, waitFor, type AppProcess } from './support/processes.js';

const homes: string[] = [];
after(() => Promise.all(homes.map((home) => fs.rm(home, { recursive: true, force: true }))));
async function newHome(): Promise<string> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-refusals-'));
  homes.push(home);
  return home;
}

/** Exit code and output of a process expected to stop by itself within `ms`. */
async function exitOf(app: AppProcess, ms = 30_000) {
  const timer = setTimeout(() => app.child.kill('SIGKILL'), ms);
  const code = await app.exited;
  clearTimeout(timer);
  return { code, output: app.output().trim() };
}

test('a second process on an XLING_HOME in use exits 1 naming the first pid; the first keeps its jobs and runs on', async () => {
  const home = await newHome();
  const env = { XLING_HOME: home, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: '', NATS_URL: '', QDRANT_URL: '' };
  const first = startApp('deploy/embedded.js', env);
  try {
    const url = await waitFor(`first platform\n${first.output()}`, () => /GraphQL: (\S+)/.exec(first.output())?.[1]);
    const started = await gql(url, START_RUN, { input: smallRun({ steps: 40 }) });
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    const runId = started.data.startTrainingRun.id as string;

    const refusal = `xling: not starting: XLING_HOME ${home} is already in use by pid ${first.child.pid}`;
    // npm start, and a gateway or a worker on the embedded database.
    for (const entry of ['deploy/embedded.js', 'api/main.js', 'gpu-worker/main.js']) {
      const { code, output } = await exitOf(startApp(entry, env));
      assert.equal(code, 1, `${entry}: ${output}`);
      // Only the refusal: no worker start, no "queued again" line, no stack trace.
      assert.equal(output, refusal, entry);
    }
    assert.equal(first.child.exitCode, null, 'the first process runs on');
    assert.equal((await fs.readFile(path.join(home, 'xling.pid'), 'utf8')).trim(), String(first.child.pid));

    // Its job was neither requeued nor taken twice: one attempt, finished by the first process.
    const run = await waitFor(`run finished\n${first.output()}`, async () => {
      const { data } = await gql(url, RUN, { id: runId });
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(data?.run.status) && data.run;
    });
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
    assert.deepEqual(run.jobs.map((j: { attempts: number }) => j.attempts), [1]);
    assert.doesNotMatch(first.output(), /queued again/);

    assert.equal(await first.kill('SIGTERM'), 0, first.output());
    assert.ok(!(await fs.readdir(home)).includes('xling.pid'), 'released on stop');
  } finally {
    await first.kill('SIGKILL');
  }
});
