// Prometheus metrics: the gateway's /metrics (with the worker's series in one process) moves as
// work is done; behind an API key when keys are on; a worker process serves its own on METRICS_PORT.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApiKey } from '../api/auth/api-keys.js';
import { startTestGateway } from '../api/testing.js';
import { createTestDatabase } from '../prisma/testing.js';
import { collect, dropJobStream, freePort, gql, startApp, waitFor, wsClient } from './support/processes.js';
import { START_RUN, dataDir, smallRun } from './support/platform.js';

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-metrics-'));
after(() => fs.rm(home, { recursive: true, force: true }));

/** `name{labels} value` lines of a Prometheus text page, by series (name plus sorted labels). */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    // Labels sorted by name, as the assertions below write them.
    const labels = match[2] ? `{${match[2].slice(1, -1).split(/,(?=\w+=")/).sort().join(',')}}` : '';
    series.set(`${match[1]}${labels}`, Number(match[3]));
  }
  return series;
}

const value = (series: Map<string, number>, name: string) => series.get(name) ?? 0;

test('the gateway\'s /metrics moves with work done: operations, jobs, training, searches, subscriptions, queue', async () => {
  const port = await freePort();
  const app = startApp('deploy/embedded.js', { PORT: String(port), XLING_HOME: home, DATA_DIR: dataDir, DATABASE_URL: '', NATS_URL: '' });
  const url = `http://127.0.0.1:${port}/graphql`;
  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parse(await response.text());
  };
  try {
    await waitFor(`embedded platform\n${app.output()}`, () => app.output().includes(url));
    const before = await scrape();
    // Node's process metrics, once, though gateway and worker share the process.
    assert.ok(value(before, 'process_cpu_seconds_total') > 0);
    assert.equal(value(before, 'xling_workers_up'), 1);

    const client = wsClient(url);
    const started = await gql(url, START_RUN, { input: smallRun({ trainDatasets: ['xquad-r'], languages: ['en', 'de'], steps: 30, logEvery: 5 }) });
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    const runId = started.data.startTrainingRun.id as string;
    const progress = collect(client, 'subscription($runId: ID!) { trainingProgress(runId: $runId) { step status } }', { runId });
    const open = await waitFor('subscription counted', async () => value(await scrape(), 'xling_graphql_subscriptions_active{field="trainingProgress"}') === 1 || undefined);
    assert.ok(open);
    await progress;
    await client.dispose();
    const { data } = await gql(url, 'query($id: ID!) { run(id: $id) { status checkpoints { id } } }', { id: runId });
    assert.equal(data.run.status, 'SUCCEEDED');

    const indexed = await gql(url, 'mutation($input: IndexCorpusInput!) { indexCorpus(input: $input) { id } }', { input: { checkpointId: data.run.checkpoints.at(-1).id, dataset: 'xquad-r', languages: ['en'] } });
    assert.equal(indexed.errors, undefined, JSON.stringify(indexed.errors));
    const collection = await waitFor(`collection\n${app.output()}`, async () => (await gql(url, '{ collections { name } }')).data.collections[0]?.name as string | undefined, 120_000);
    for (const mode of ['DENSE', 'LEXICAL', 'HYBRID']) {
      const searched = await gql(url, 'query($input: SearchInput!) { search(input: $input) { hits { text } } }', { input: { collection, text: 'Who won the Super Bowl?', k: 3, mode } });
      assert.equal(searched.errors, undefined, JSON.stringify(searched.errors));
    }
    await gql(url, '{ nope }');
    await gql(url, '{ viewer { name } workers { id } }');

    const after = await waitFor('subscription released', async () => {
      const s = await scrape();
      return value(s, 'xling_graphql_subscriptions_active{field="trainingProgress"}') === 0 && s;
    });
    const moved = (name: string) => value(after, name) - value(before, name);
    assert.equal(moved('xling_graphql_operation_duration_seconds_count{operation="startTrainingRun",outcome="ok",type="mutation"}'), 1);
    assert.equal(moved('xling_graphql_operation_duration_seconds_count{operation="invalid",outcome="error",type="unknown"}'), 1, 'an invalid operation is counted without its made-up name');
    assert.ok(![...after.keys()].some((k) => k.includes('nope')));
    assert.equal(moved('xling_graphql_operation_duration_seconds_count{operation="multiple",outcome="ok",type="query"}'), 1);
    assert.ok(moved('xling_http_request_duration_seconds_count{method="POST",route="/graphql",status="2xx"}') >= 8);
    for (const mode of ['DENSE', 'LEXICAL', 'HYBRID']) {
      assert.equal(moved(`xling_search_duration_seconds_count{mode="${mode}"}`), 1, mode);
      assert.equal(moved(`xling_worker_search_duration_seconds_count{mode="${mode}"}`), 1, mode);
    }
    assert.equal(value(after, 'xling_jobs{kind="TRAIN",status="SUCCEEDED"}'), 1);
    assert.equal(value(after, 'xling_jobs{kind="EMBED",status="SUCCEEDED"}'), 1);
    assert.equal(moved('xling_worker_jobs_total{kind="TRAIN",outcome="SUCCEEDED"}'), 1);
    assert.equal(moved('xling_worker_jobs_total{kind="TRAIN",outcome="unsettled"}') + moved('xling_worker_jobs_total{kind="EMBED",outcome="unsettled"}'), 0, 'a settled delivery is counted once');
    // Repeated operations (Apollo caches their validation) keep their name; several root fields count as one bounded value.
    assert.equal(moved('xling_graphql_operation_duration_seconds_count{operation="search",outcome="ok",type="query"}'), 3);
    assert.equal(moved('xling_worker_job_duration_seconds_count{kind="EMBED",outcome="SUCCEEDED"}'), 1);
    assert.equal(value(after, 'xling_job_queue_pending_messages'), 0);
    assert.equal(value(after, 'xling_job_queue_in_flight_messages'), 0);
    assert.equal(value(after, 'xling_training_pairs_per_second'), 0, 'no training runs now');
    assert.equal(moved('xling_training_step_duration_seconds_count'), 6, 'one per logged window (30 steps, every 5)');
    assert.ok(value(after, 'xling_training_step_duration_seconds_sum') > 0);
    assert.ok(value(after, 'xling_worker_tensors') > 0, 'the TensorFlow.js engine is loaded and reported');
    assert.ok(value(after, 'xling_worker_last_heartbeat_timestamp_seconds') > Date.now() / 1000 - 120);
  } finally {
    assert.equal(await app.kill('SIGTERM'), 0, `clean shutdown\n${app.output()}`);
  }
});

test('with API keys on, /metrics needs a key', async () => {
  const gw = await startTestGateway({ securityEnv: { AUTH: 'on' } });
  try {
    const metrics = gw.url.replace(/\/graphql$/, '/metrics');
    const refused = await fetch(metrics);
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).errors[0].extensions.code, 'UNAUTHENTICATED');
    const { secret } = await createApiKey(gw.db.prisma, 'scraper', 'reader');
    const allowed = await fetch(metrics, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(allowed.status, 200);
    assert.ok(parse(await allowed.text()).has('xling_job_queue_pending_messages'));
  } finally {
    await gw.close();
  }
});

test('a worker process serves its own metrics on METRICS_PORT, and nothing else there', async () => {
  const database = await createTestDatabase();
  const prefix = `mt${randomBytes(6).toString('hex')}`;
  const natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
  const worker = startApp('gpu-worker/main.js', {
    DATABASE_URL: database.url, NATS_URL: natsUrl, NATS_PREFIX: prefix, DATA_DIR: dataDir, XLING_HOME: path.join(home, 'worker'),
    QDRANT_URL: 'http://127.0.0.1:9', METRICS_PORT: '0', JOB_HEARTBEAT_MS: '200', WORKER_ID: 'metrics-worker',
  });
  try {
    const address = await waitFor(`metrics port\n${worker.output()}`, () => /metrics at (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(worker.output())?.[1]);
    const series = await waitFor('a heartbeat', async () => {
      const s = parse(await (await fetch(`${address}/metrics`)).text());
      return value(s, 'xling_worker_last_heartbeat_timestamp_seconds') > 0 && s;
    });
    assert.ok(value(series, 'process_resident_memory_bytes') > 0);
    assert.equal(value(series, 'xling_worker_jobs_running'), 0);
    assert.equal((await fetch(`${address}/graphql`)).status, 404);
  } finally {
    assert.equal(await worker.kill('SIGTERM'), 0, worker.output());
    await dropJobStream(natsUrl, prefix);
    await database.drop();
  }
});
