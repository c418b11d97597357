// Retrieval through the cluster path: one gateway and two workers as separate processes on NATS and
// Postgres. The embedded vector store is owned by a worker that serves queries only
// (WORKER_CONCURRENCY=0); the other trains and indexes, reaching the store over the bus
// (VECTOR_STORE=remote), so every write of the indexing jobs crosses the bus. Searches answered through the gateway are the hits the store gives in
// process for the same checkpoint, also through a gateway that sees no model or checkpoint;
// without a worker the gateway answers WORKER_UNAVAILABLE and stays up; a second worker configured
// on the owned store refuses at start.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../prisma/testing.js';
import { selectBackend } from '../gpu-worker/encoding/backend.js';
import { loadCheckpointEncoder } from '../gpu-worker/encoding/checkpoint-encoder.js';
import { openEmbeddedStore } from '../gpu-worker/vectors/embedded.js';
import { type AppProcess, createKeyWithCli, dropJobStream, freePort, gql as gqlAs, startApp, waitFor } from './support/processes.js';
import { RUN, START_RUN, dataDir, randomName, repoRoot, smallRun } from './support/platform.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const modelsDir = path.join(repoRoot, '..', 'shared', 'models');
const INDEX = 'mutation($input: IndexCorpusInput!) { indexCorpus(input: $input) { id } }';
const SEARCH = 'query($input: SearchInput!) { search(input: $input) { collection hits { score language text documentId } } }';
// DENSE: these are compared with the store's dense search in this process.
const QUERIES = [
  { text: 'How many people live in the city?', queryLanguage: 'en', mode: 'DENSE' },
  { text: 'Wann wurde die Universität gegründet?', queryLanguage: 'de', mode: 'DENSE' },
  { text: 'Who won the game?', queryLanguage: 'en', languages: ['de'], mode: 'DENSE' },
  { text: 'Was ist die Hauptstadt?', queryLanguage: 'de', languages: ['en', 'de'], mode: 'DENSE' },
];

describe('search through workers (NATS + Postgres, embedded store on one worker)', () => {
  const prefix = randomName('srch');
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let home: string;
  let env: Record<string, string>;
  let key: string;
  let gateway: AppProcess;
  let url: string;
  const processes: AppProcess[] = [];
  const gql = (query: string, variables?: Record<string, unknown>, at = url) => gqlAs(at, query, variables, key);
  const start = (entry: string, extra: Record<string, string> = {}) => {
    const app = startApp(entry, { ...env, ...extra });
    processes.push(app);
    return app;
  };
  const startGateway = async (extra: Record<string, string> = {}) => {
    const port = await freePort();
    const app = start('api/main.js', { ...extra, PORT: String(port) });
    const at = `http://127.0.0.1:${port}/graphql`;
    await waitFor(`gateway ${at}\n${app.output()}`, async () => (await fetch(at.replace('/graphql', '/healthz')).catch(() => undefined))?.ok);
    return { app, url: at };
  };

  before(async () => {
    database = await createTestDatabase();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-search-'));
    env = {
      DATABASE_URL: database.url,
      NATS_URL,
      NATS_PREFIX: prefix,
      DATA_DIR: dataDir,
      MODELS_DIR: modelsDir,
      XLING_HOME: home,
      QDRANT_URL: '',
      SERVING_TIMEOUT_MS: '20000',
      JOB_ACK_WAIT_MS: '5000',
      JOB_HEARTBEAT_MS: '500',
    };
    key = await createKeyWithCli(env, 'search-admin', 'admin');
    ({ app: gateway, url } = await startGateway());
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await dropJobStream(NATS_URL, prefix);
    await database.drop();
    await fs.rm(home, { recursive: true, force: true });
  });

  test('with no worker running, what needs one answers WORKER_UNAVAILABLE and the gateway stays up', async () => {
    const registered = await gql('mutation { registerModel(input: { name: "tiny", path: "tiny-bert" }) { name } }');
    assert.equal(registered.errors?.[0]?.extensions?.code, 'WORKER_UNAVAILABLE', JSON.stringify(registered));
    assert.doesNotMatch(JSON.stringify(registered), /stack|\/tmp|\.js:/);
    assert.equal((await fetch(url.replace('/graphql', '/healthz'))).status, 200);
    assert.equal((await gql('{ models { name } }')).data.models.length, 0, 'nothing recorded');
  });

  test('two workers (one owning the store), five collections: hits equal the in-process store search, also through a gateway without models', async () => {
    const owner = start('gpu-worker/main.js', { WORKER_ID: 'owner', WORKER_CONCURRENCY: '0' });
    const remote = start('gpu-worker/main.js', { WORKER_ID: 'remote', VECTOR_STORE: 'remote' });
    // The worker row appears before the start line is printed, so wait for both.
    await waitFor(`both workers started\n${owner.output()}\n${remote.output()}`, async () =>
      (await gql('{ workers { id } }')).data?.workers.length === 2 && /takes/.test(owner.output()) && /takes/.test(remote.output()));
    assert.match(owner.output(), /vector store embedded; takes queries\)/);
    assert.match(remote.output(), /vector store remote; takes jobs of class interactive, cpu \(concurrency 1 \+ 1 interactive\)\)/);

    // A third worker on the owned store refuses at start, saying what to do, and writes nothing.
    const third = start('gpu-worker/main.js', { WORKER_ID: 'third' });
    const code = await Promise.race([third.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
    assert.equal(code, 1, third.output());
    assert.match(third.output(), /^xling: not starting: vector store .* is already open in process \d+.*VECTOR_STORE=remote.*QDRANT_URL/m);
    assert.doesNotMatch(third.output(), /\n\s+at /, 'no stack trace');
    assert.equal((await gql('{ workers { id } }')).data.workers.length, 2, 'the refused worker left no Worker row');

    const started = await gql(START_RUN, { input: smallRun({ trainDatasets: ['xquad-r'], languages: ['en', 'de'], steps: 20 }) });
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    const run = await waitFor('training', async () => {
      const { data } = await gql(RUN, { id: started.data.startTrainingRun.id });
      return ['SUCCEEDED', 'FAILED'].includes(data?.run.status) && data.run;
    }, 180_000);
    assert.equal(run.status, 'SUCCEEDED', JSON.stringify(run));
    const checkpointId = run.checkpoints.at(-1).id as string;

    const jobIds: string[] = [];
    for (const languages of [['en'], ['de'], ['en', 'de'], ['en'], ['de']]) {
      const indexed = await gql(INDEX, { input: { checkpointId, dataset: 'xquad-r', languages } });
      assert.equal(indexed.errors, undefined, JSON.stringify(indexed.errors));
      jobIds.push(indexed.data.indexCorpus.id);
    }
    const collections = await waitFor('five collections', async () => {
      const { data } = await gql('{ collections { name languages size } jobs(status: FAILED) { kind error workerId } }');
      const failed = data?.jobs?.[0];
      if (failed) assert.fail(`EMBED failed: ${JSON.stringify(failed)}`);
      return data?.collections.length === 5 && data.collections;
    }, 180_000);
    for (const c of collections) assert.ok(c.size > 1000, `${c.name}: ${c.size}`);
    const { data: ran } = await gql('{ jobs(first: 20) { kind status workerId } }');
    assert.equal(ran.jobs.length, 6);
    for (const job of ran.jobs) assert.deepEqual([job.status, job.workerId], ['SUCCEEDED', 'remote'], `${job.kind} ran on the job worker`);

    // The lexical terms crossed the bus with the points: a lexical search finds the word.
    const german = collections.find((c: { languages: string[] }) => c.languages.join() === 'de');
    const lexical = await gql(`query($input: SearchInput!) { search(input: $input) { retrieval { mode dictionary } hits { text language } } }`, {
      input: { text: 'Universität', queryLanguage: 'de', mode: 'LEXICAL', k: 5, collection: german.name },
    });
    assert.equal(lexical.errors, undefined, JSON.stringify(lexical.errors));
    assert.deepEqual(lexical.data.search.retrieval, { mode: 'LEXICAL', dictionary: true });
    assert.equal(lexical.data.search.hits.length, 5);
    for (const hit of lexical.data.search.hits) assert.match(hit.text, /universität/i);

    // Searches on every collection through the gateway.
    const answered = new Map<string, unknown[]>();
    for (let round = 0; round < 10; round++) {
      for (const c of collections) {
        for (const q of QUERIES) {
          const found = await gql(SEARCH, { input: { ...q, k: 10, collection: c.name } });
          assert.equal(found.errors, undefined, JSON.stringify(found.errors));
          assert.equal(found.data.search.collection, c.name);
          answered.set(`${c.name}|${q.text}`, found.data.search.hits);
        }
      }
    }
    // A gateway that cannot see a model, checkpoint or dataset (its folders are empty) gives the
    // same answers: retrieval runs on the workers, and the gateway holds no encoder for the
    // collections it serves. (Its memory is measured by bench/search-load.js, not asserted here:
    // resident size follows V8's GC timing on a loaded machine.)
    const blind = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-blind-'));
    try {
      const fresh = await startGateway({ MODELS_DIR: blind, DATA_DIR: blind, XLING_HOME: blind });
      for (const c of collections) {
        for (const q of QUERIES) {
          const found = await gql(SEARCH, { input: { ...q, k: 10, collection: c.name } }, fresh.url);
          assert.equal(found.errors, undefined, JSON.stringify(found.errors));
          assert.deepEqual(found.data.search.hits, answered.get(`${c.name}|${q.text}`), `${c.name}: ${q.text} through a gateway without models`);
        }
      }
      assert.deepEqual(await fs.readdir(blind), [], 'the gateway wrote nothing into its folders');
    } finally {
      await fs.rm(blind, { recursive: true, force: true });
    }

    // The same searches in this process, on the store the owner wrote, with the checkpoint's encoder.
    assert.equal(await owner.kill('SIGTERM'), 0, owner.output());
    await remote.kill('SIGTERM');
    await selectBackend({ log: () => undefined });
    const { location } = run.checkpoints.at(-1);
    const encoder = await loadCheckpointEncoder(path.isAbsolute(location) ? location : path.join(home, 'checkpoints', location), { modelsDir });
    const store = await openEmbeddedStore({ dir: path.join(home, 'vectors') });
    try {
      const vectors = await encoder.embed(QUERIES.map((q) => q.text), 'QUERY');
      for (const c of collections) {
        for (const [i, q] of QUERIES.entries()) {
          const hits = await store.search(c.name, vectors[i]!, { k: 10, ...(q.languages ? { languages: q.languages } : {}) });
          const viaGateway = answered.get(`${c.name}|${q.text}`) as Array<{ score: number; documentId: string; language: string; text: string }>;
          assert.deepEqual(viaGateway.map((h) => [h.documentId, h.language, h.text]), hits.map((h) => [h.payload.documentId, h.payload.language, h.payload.text]), `${c.name}: ${q.text}`);
          for (const [j, h] of hits.entries()) assert.ok(Math.abs(viaGateway[j]!.score - h.score) < 1e-5);
        }
      }
    } finally {
      encoder.dispose();
      await store.close();
    }
  });
});
