// pullDataset through GraphQL on a cluster (gateway and worker processes, NATS, Postgres) with an
// empty data folder and DATA_MIRROR pointed at a server on 127.0.0.1 that serves the shared data
// folder's files slowly: the job's progress streams over graphql-ws to its end, the files land
// verified, `datasets` says PRESENT / MISSING / CORRUPTED, a corrupted file alone is fetched
// again, a source that answers 404 fails the job with a coded message, and what a caller may not
// do writes nothing.

import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase } from '../prisma/testing.js';
import { manifestOf } from '../schema/data-sources.js';
import { type AppProcess, collect, createKeyWithCli, dropJobStream, freePort, gql as gqlAs, startApp, waitFor, wsClient } from './support/processes.js';
import { randomName, repoRoot } from './support/platform.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const sharedData = path.join(repoRoot, '..', 'shared', 'data');
const PULL = 'mutation($input: PullDatasetInput!) { pullDataset(input: $input) { id kind status } }';
const DATASETS = '{ datasets { name status available missingFiles corruptedFiles license nonCommercial source } }';
const PROGRESS = 'subscription($jobId: ID!) { jobProgress(jobId: $jobId) { jobId status done total unit detail error } }';

const prefix = randomName('pull');
const requested: string[] = [];
/** Folders the mirror answers 404 for. */
const absent = new Set<string>(['cmrc2018']);
let server: Server;
/** The mirror answers once this resolves: a test opens its subscription first, whatever the machine's load. */
let gate: Promise<void> = Promise.resolve();

function serve(file: string, res: ServerResponse): void {
  const stream = createReadStream(file, { highWaterMark: 32 * 1024 });
  stream.on('data', (chunk) => {
    stream.pause();
    res.write(chunk, () => setTimeout(() => stream.resume(), 15));
  });
  stream.on('end', () => res.end());
}
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let home: string;
let dataDir: string;
let url: string;
let admin: string;
let reader: string;
const processes: AppProcess[] = [];

const gql = (query: string, variables?: Record<string, unknown>, key = admin) => gqlAs(url, query, variables, key);
const datasetsByName = async () => {
  const { data, errors } = await gql(DATASETS);
  assert.equal(errors, undefined, JSON.stringify(errors));
  return new Map<string, any>(data.datasets.map((d: { name: string }) => [d.name, d]));
};

before(async () => {
  assert.ok(existsSync(path.join(sharedData, 'arcd')), `the mirror serves ${sharedData}`);
  // 32 KiB every 15 ms (about 2 MB/s): slow enough for several progress reports per dataset.
  server = createServer((req, res) => {
    const name = decodeURIComponent(req.url!.slice(1));
    const file = path.join(sharedData, name);
    requested.push(name);
    if (absent.has(name.split('/')[0]!) || !file.startsWith(sharedData + path.sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    void gate.then(() => serve(file, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  database = await createTestDatabase();
  home = await mkdtemp(path.join(os.tmpdir(), 'xling-pull-home-'));
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'xling-pull-data-'));
  const env = {
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_PREFIX: prefix,
    DATA_DIR: dataDir,
    DATA_MIRROR: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    XLING_HOME: home,
    QDRANT_URL: '',
    JOB_ACK_WAIT_MS: '5000',
    JOB_HEARTBEAT_MS: '500',
  };
  admin = await createKeyWithCli(env, 'pull-admin', 'admin');
  reader = await createKeyWithCli(env, 'pull-reader', 'reader');
  const port = await freePort();
  url = `http://127.0.0.1:${port}/graphql`;
  const gateway = startApp('api/main.js', { ...env, PORT: String(port) });
  const worker = startApp('gpu-worker/main.js', { ...env, WORKER_ID: 'puller', SERVE_QUERIES: 'off' });
  processes.push(gateway, worker);
  await waitFor(`gateway\n${gateway.output()}`, async () => (await fetch(url.replace('/graphql', '/healthz')).catch(() => undefined))?.ok);
  await waitFor(`worker\n${worker.output()}`, async () => (await gql('{ workers { id } }')).data?.workers.length === 1);
});

after(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await dropJobStream(NATS_URL, prefix);
  await database.drop();
  await new Promise((resolve) => server.close(resolve));
  await rm(home, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

test('refused requests name the field and write nothing', async () => {
  const forbidden = await gql(PULL, { input: { name: 'arcd' } }, reader);
  assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(forbidden));
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ name: 'no-such-set' }, 'input.name', /is not a dataset of the catalog/],
    [{ name: 'muse' }, 'input.name', /has no recorded source/],
    [{ name: 'mlqa-r' }, 'input.acceptNonCommercial', /non-commercial use only/],
    [{ name: 'mlqa-r', acceptNonCommercial: false }, 'input.acceptNonCommercial', /must be true/],
  ];
  for (const [input, field, message] of cases) {
    const { errors } = await gql(PULL, { input });
    assert.equal(errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(errors));
    assert.equal(errors?.[0]?.extensions?.field, field);
    assert.match(errors![0]!.message, message);
  }
  assert.deepEqual((await gql('{ jobs { id } }')).data.jobs, [], 'no job was queued');
  const client = wsClient(url, reader);
  try {
    await assert.rejects(collect(client, PROGRESS, { jobId: '00000000-0000-4000-8000-000000000000' }), (errors: Array<{ extensions?: { code?: string; field?: string } }>) => {
      assert.deepEqual([errors[0]?.extensions?.code, errors[0]?.extensions?.field], ['NOT_FOUND', 'jobId'], JSON.stringify(errors));
      return true;
    });
  } finally {
    await client.dispose();
  }
  assert.deepEqual(await readdir(dataDir), [], 'nothing was written');
  assert.deepEqual(requested, []);

  const datasets = await datasetsByName();
  assert.deepEqual(
    { status: datasets.get('arcd').status, available: datasets.get('arcd').available, missing: datasets.get('arcd').missingFiles.length },
    { status: 'MISSING', available: false, missing: manifestOf('arcd')!.files.length },
  );
  assert.equal(datasets.get('mlqa-r').nonCommercial, true);
  assert.match(datasets.get('mlqa-r').license, /CC-BY-NC-4\.0/);
  assert.equal(datasets.get('arcd').nonCommercial, false);
  assert.match(datasets.get('arcd').source, /^https:\/\/github\.com\/.+\/tree\/[0-9a-f]{40}$/);
  assert.equal(datasets.get('muse').source, null);
});

test('a pull streams its progress to the end; the files land verified and datasets says PRESENT', { timeout: 120_000 }, async () => {
  const total = manifestOf('arcd')!.files.reduce((sum, f) => sum + f.size, 0);
  let open!: () => void;
  gate = new Promise((resolve) => (open = resolve));
  // Four requests at once: one job.
  const started = await Promise.all(Array.from({ length: 4 }, () => gql(PULL, { input: { name: 'arcd' } })));
  for (const s of started) assert.equal(s.errors, undefined, JSON.stringify(s.errors));
  const job = started[0]!.data.pullDataset;
  assert.deepEqual([job.kind, job.status], ['PULL', 'QUEUED']);
  assert.deepEqual(new Set(started.map((s) => s.data.pullDataset.id)), new Set([job.id]), 'asked four times at once: one job');
  assert.equal((await gql('{ jobs { id } }')).data.jobs.length, 1);

  const client = wsClient(url, reader);
  try {
    const progress = await new Promise<any[]>((resolve, reject) => {
      const items: any[] = [];
      client.subscribe({ query: PROGRESS, variables: { jobId: job.id } }, {
        next: (result) => {
          if (result.errors) return reject(new Error(JSON.stringify(result.errors)));
          items.push((result.data as any).jobProgress);
          open(); // subscribed: the mirror may start
        },
        error: reject,
        complete: () => resolve(items),
      });
      // If the job reports nothing before its first byte, the mirror starts anyway.
      setTimeout(open, 10_000);
    });
    const last = progress.at(-1)!;
    assert.deepEqual([last.status, last.done, last.total, last.unit, last.error], ['SUCCEEDED', total, total, 'bytes', null], JSON.stringify(progress));
    assert.ok(progress.length >= 3, `progress reports: ${JSON.stringify(progress)}`);
    for (const [i, p] of progress.entries()) {
      assert.equal(p.total, total);
      if (i > 0) assert.ok(p.done >= progress[i - 1].done, 'done never goes back');
      assert.match(p.detail, /^arcd\//);
    }
    assert.ok(progress.some((p) => p.done > 0 && p.done < total), 'intermediate progress was reported');
  } finally {
    await client.dispose();
    gate = Promise.resolve();
  }
  const datasets = await datasetsByName();
  assert.deepEqual([datasets.get('arcd').status, datasets.get('arcd').available, datasets.get('arcd').missingFiles], ['PRESENT', true, []]);
  const { data } = await gql('{ jobs(first: 1) { id status progress { done total status } } }');
  assert.deepEqual(data.jobs[0], { id: job.id, status: 'SUCCEEDED', progress: { done: total, total, status: 'SUCCEEDED' } });
  // A late subscriber gets the stored end at once.
  const late = wsClient(url, reader);
  try {
    const items = await collect(late, PROGRESS, { jobId: job.id });
    assert.deepEqual(items.map((i) => [i.jobProgress.status, i.jobProgress.done]), [['SUCCEEDED', total]]);
  } finally {
    await late.dispose();
  }
});

test('a corrupted file is reported and, pulled again, fetched alone', { timeout: 120_000 }, async () => {
  const [first] = manifestOf('arcd')!.files;
  await writeFile(path.join(dataDir, first!.file), 'not the file');
  const corrupted = (await datasetsByName()).get('arcd');
  assert.deepEqual([corrupted.status, corrupted.corruptedFiles], ['CORRUPTED', [first!.file]]);

  requested.length = 0;
  const { data } = await gql(PULL, { input: { name: 'arcd' } });
  const ended = await waitFor('the second pull', async () => {
    const { data: jobs } = await gql('{ jobs(first: 1) { id status } }');
    return ['SUCCEEDED', 'FAILED'].includes(jobs.jobs[0].status) && jobs.jobs[0];
  });
  assert.deepEqual(ended, { id: data.pullDataset.id, status: 'SUCCEEDED' });
  assert.deepEqual(requested, [first!.file], 'only the corrupted file was fetched');
  assert.equal((await datasetsByName()).get('arcd').status, 'PRESENT');
});

test('a source that answers 404 fails the job with a message, and the stream ends FAILED', { timeout: 120_000 }, async () => {
  const { data } = await gql(PULL, { input: { name: 'cmrc2018' } });
  const client = wsClient(url, reader);
  try {
    const items = await collect(client, PROGRESS, { jobId: data.pullDataset.id });
    const last = items.at(-1)!.jobProgress;
    assert.equal(last.status, 'FAILED');
    assert.match(last.error, /^cmrc2018\/\S+: /);
    assert.doesNotMatch(last.error, /\/tmp|\n\s+at |\.js:/, 'no path or stack');
  } finally {
    await client.dispose();
  }
  const { data: jobs } = await gql('{ jobs(first: 1) { status attempts error } }');
  assert.equal(jobs.jobs[0].status, 'FAILED');
  assert.equal(jobs.jobs[0].attempts, 1, 'not retried: retrying cannot fix a missing source');
  assert.equal((await datasetsByName()).get('cmrc2018').status, 'MISSING');
  assert.deepEqual(await readdir(path.join(dataDir, 'cmrc2018')).catch(() => []), [], 'no partial file left');
});
