// GraphQL `search` under load, measured with autocannon, next to its parts, in one run:
//
//   npm run build && node dist/bench/search-load.js [--steps 300] [--duration 10] [--connections 16]
//       [--queries 400] [--skip-distributed] [--cpu-prof <dir>]
//
// 1. Embedded platform (dist/deploy/embedded.js, NODE_ENV=production, a child process): over
//    GraphQL a DEFAULT_MODEL run is trained on MLQA-R and indexCorpus embeds the XQuAD-R pool
//    (13,014 sentences).
// 2. With the platform stopped, this process opens the platform's embedded vector store and times
//    the store's exact top-10 search of precomputed query vectors (from the checkpoint encoder),
//    and the encoding of one query alone.
// 3. The platform is started again and warmed up; autocannon POSTs GraphQL `search` (k 10, a
//    rotating set of --queries XQuAD-R questions of all 11 languages) from 1 connection (latency)
//    and from --connections connections (throughput), each for --duration seconds.
// 4. The same against the distributed path: dist/api/main.js + one dist/gpu-worker/main.js over
//    NATS (NATS_URL, default nats://127.0.0.1:4222) and a throwaway Postgres database
//    (TEST_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres), with an admin
//    API key; the run is trained and the pool indexed again there (same seed).
//
// The search rate limit is raised for the platform under test (RATE_SEARCHES_PER_MINUTE): the
// default budget (6,000 a minute per caller) would refuse most of a 2,000 q/s run. autocannon runs
// in this process, so on a small machine the load generator shares the cores with the platform.
// Latency percentiles are computed from every response's own time (autocannon's histogram keeps
// whole milliseconds); a response counts as an error when it is not 2xx or its body has GraphQL
// `errors` or no `hits`. Not a test: nothing here asserts a timing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { buildRetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { openDatabase } from '../prisma/db.js';
import { createTestDatabase } from '../prisma/testing.js';
import { defaultSharedDir } from '../schema/config.js';
import { subjectsFor } from '../schema/subjects.js';
import { describeBackend, selectBackend } from '../gpu-worker/encoding/backend.js';
import { loadCheckpointEncoder } from '../gpu-worker/encoding/checkpoint-encoder.js';
import { openEmbeddedStore } from '../gpu-worker/vectors/embedded.js';
import { createKeyWithCli, freePort, gql, startApp, waitFor, type AppProcess } from '../test/support/processes.js';
import { argument } from './cli.js';

const numberArgument = (name: string, fallback: number) => Number(argument(name) ?? fallback);
const steps = numberArgument('steps', 300);
const duration = numberArgument('duration', 10);
const connections = numberArgument('connections', 16);
const queryCount = numberArgument('queries', 400);
const skipDistributed = process.argv.includes('--skip-distributed');
/** With --cpu-prof <dir>: the platform processes under load write V8 CPU profiles there (node --cpu-prof). */
const profileDir = argument('cpu-prof');
const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
/** The platform under load, started with nodeFlags. */
const startProfiled = (entry: string, env: Record<string, string>) => startApp(entry, env, [], nodeFlags);

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);
const K = 10;
const RATE = '100000000';

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${load()}`);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
interface Summary {
  p50: number;
  p99: number;
  mean: number;
}
function summary(ms: number[]): Summary {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: ms.reduce((a, b) => a + b, 0) / ms.length };
}
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
const describe = (s: Summary) => `p50 ${fmt(s.p50)}, p99 ${fmt(s.p99)}, mean ${fmt(s.mean)}`;
const timed = async <T>(work: () => Promise<T> | T): Promise<[T, number]> => {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
};

const SEARCH = 'query($input: SearchInput!) { search(input: $input) { queryLanguage hits { score language documentId text } } }';

interface Platform {
  url: string;
  key?: string;
  processes: AppProcess[];
}

async function request<T = any>(platform: Platform, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await gql<T>(platform.url, query, variables, platform.key);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!;
}

async function stop(platform: Platform): Promise<void> {
  for (const p of [...platform.processes].reverse()) await p.kill();
}

async function listening(app: AppProcess, url: string): Promise<void> {
  await Promise.race([
    waitFor(`${url}`, async () => (await fetch(url.replace('/graphql', '/healthz')).catch(() => undefined))?.ok, 120_000),
    app.exited.then((code) => Promise.reject(new Error(`exited (${code}):\n${app.output()}`))),
  ]);
}

async function startEmbedded(home: string, profile = false): Promise<Platform> {
  const port = await freePort();
  const app = (profile ? startProfiled : startApp)('deploy/embedded.js', { XLING_HOME: home, PORT: String(port), DATA_DIR: dataDir, MODELS_DIR: modelsDir, NODE_ENV: 'production', RATE_SEARCHES_PER_MINUTE: RATE });
  const url = `http://127.0.0.1:${port}/graphql`;
  await listening(app, url);
  return { url, processes: [app] };
}

/** Trains a DEFAULT_MODEL run on MLQA-R and indexes the XQuAD-R pool; returns the checkpoint and the collection. */
async function trainAndIndex(platform: Platform, label: string): Promise<{ checkpointId: string; collection: string }> {
  const [checkpointId, trainMs] = await timed(async () => {
    const { startTrainingRun: run } = await request(platform, 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', {
      input: { strategy: 'HYBRID', alpha: 0.5, trainDatasets: ['mlqa-r'], steps, batchSize: 32, seed: 1, evaluationSuites: [] },
    });
    const done = await waitFor('the training run', async () => {
      const { run: r } = await request(platform, 'query($id: ID!) { run(id: $id) { status error checkpoints { id step } } }', { id: run.id });
      if (r.status === 'FAILED' || r.status === 'CANCELLED') throw new Error(`run ${r.status}: ${r.error}`);
      return r.status === 'SUCCEEDED' && r;
    }, 3_600_000);
    return (done.checkpoints as Array<{ id: string; step: number }>).sort((a, b) => b.step - a.step)[0]!.id;
  });
  console.log(`${label}: trained DEFAULT_MODEL for ${steps} steps on MLQA-R in ${(trainMs / 1000).toFixed(1)} s (checkpoint ${checkpointId})`);
  const [collection, indexMs] = await timed(async () => {
    const { indexCorpus: job } = await request(platform, 'mutation($input: IndexCorpusInput!) { indexCorpus(input: $input) { id } }', {
      input: { checkpointId, dataset: 'xquad-r' },
    });
    await waitFor('the index job', async () => {
      const { jobs } = await request(platform, '{ jobs(first: 100) { id status error } }');
      const j = jobs.find((x: { id: string }) => x.id === job.id);
      if (j?.status === 'FAILED') throw new Error(`index job failed: ${j.error}`);
      return j?.status === 'SUCCEEDED';
    }, 600_000);
    const { collections } = await request(platform, '{ collections { name size checkpointId } }');
    return collections.find((c: { checkpointId: string }) => c.checkpointId === checkpointId).name as string;
  });
  console.log(`${label}: indexCorpus xquad-r took ${(indexMs / 1000).toFixed(1)} s: collection ${collection}`);
  return { checkpointId, collection };
}

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

interface LoadResult {
  connections: number;
  requests: number;
  perSecond: number;
  latency: Summary;
  autocannon: { p50: number; p99: number; mean: number; rps: number };
  errors: number;
  non2xx: number;
  mismatches: number;
  timeouts: number;
  loadBefore: string;
  loadAfter: string;
  /** CPU ms per answered request: the platform's processes, and this process (autocannon). */
  platformCpuPerRequest: number;
  clientCpuPerRequest: number;
}

let queries: Array<{ text: string; language: string }> = [];

function bodies(collection: string): string[] {
  return queries.map((q) => JSON.stringify({ query: SEARCH, variables: { input: { text: q.text, collection, k: K } } }));
}

async function hammer(platform: Platform, collection: string, conns: number, seconds: number): Promise<LoadResult> {
  const all = bodies(collection);
  let next = 0;
  const ms: number[] = [];
  const loadBefore = load();
  const pids = platform.processes.map((p) => p.child.pid!);
  const platformCpuBefore = pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
  const clientCpuBefore = ownCpuMs();
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(platform.key ? { authorization: `Bearer ${platform.key}` } : {}) };
  let finish!: (result: autocannon.Result) => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const instance = autocannon({
    url: platform.url,
    connections: conns,
    duration: seconds,
    method: 'POST',
    headers,
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: all[next++ % all.length]! }) }],
    // A 200 with GraphQL errors is a failure too.
    verifyBody: (body) => {
      const text = String(body ?? '');
      return text.includes('"hits"') && !text.includes('"errors"');
    },
  }, (error, result) => (error ? fail(error) : finish(result)));
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => ms.push(responseTime));
  const result = await finished;
  const loadAfter = load();
  const platformCpu = pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0) - platformCpuBefore;
  const clientCpu = ownCpuMs() - clientCpuBefore;
  return {
    connections: conns,
    requests: result.requests.total,
    perSecond: ms.length / seconds,
    latency: summary(ms),
    autocannon: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean, rps: result.requests.average },
    errors: result.errors,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    timeouts: result.timeouts,
    loadBefore,
    loadAfter,
    platformCpuPerRequest: platformCpu / ms.length,
    clientCpuPerRequest: clientCpu / ms.length,
  };
}

async function measure(platform: Platform, collection: string, label: string): Promise<LoadResult[]> {
  // A sample response, checked field by field.
  const sample = await gql(platform.url, SEARCH, { input: { text: queries[0]!.text, collection, k: K } }, platform.key);
  if (sample.errors || (sample.data as any)?.search?.hits?.length !== K) throw new Error(`${label}: sample search: ${JSON.stringify(sample).slice(0, 500)}`);
  // Warm-up: every question once, then a short loaded burst.
  for (const body of bodies(collection).slice(0, 100)) await gql(platform.url, SEARCH, JSON.parse(body).variables, platform.key);
  await hammer(platform, collection, connections, 2);
  const results: LoadResult[] = [];
  for (const conns of [1, connections]) {
    const r = await hammer(platform, collection, conns, duration);
    results.push(r);
    console.log(
      `${label}, ${conns} connection(s): ${r.requests} requests, ${r.perSecond.toFixed(0)} req/s, ${describe(r.latency)}; ` +
        `autocannon p50 ${r.autocannon.p50} ms p99 ${r.autocannon.p99} ms; errors ${r.errors}, non-2xx ${r.non2xx}, body mismatches ${r.mismatches}, timeouts ${r.timeouts}; CPU per request: platform ${r.platformCpuPerRequest.toFixed(2)} ms, autocannon ${r.clientCpuPerRequest.toFixed(2)} ms; load ${r.loadBefore} -> ${r.loadAfter}`,
    );
  }
  const after = await gql(platform.url, SEARCH, { input: { text: queries[1]!.text, collection, k: K } }, platform.key);
  if (after.errors) throw new Error(`${label}: search after the load: ${JSON.stringify(after.errors)}`);
  return results;
}

async function whileTraining(platform: Platform, collection: string): Promise<LoadResult> {
  const { startTrainingRun: run } = await request(platform, 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', {
    input: { strategy: 'HYBRID', alpha: 0.5, trainDatasets: ['mlqa-r'], steps: 100_000, batchSize: 32, seed: 2, evaluationSuites: [] },
  });
  await waitFor('the training run to step', async () => {
    const { run: r } = await request(platform, 'query($id: ID!) { run(id: $id) { status metrics(names: ["loss"]) { step } } }', { id: run.id });
    return r.status === 'RUNNING' && r.metrics.length > 0;
  }, 120_000);
  const r = await hammer(platform, collection, 1, duration);
  console.log(`embedded, 1 connection while a run trains: ${r.perSecond.toFixed(0)} req/s, ${describe(r.latency)}; errors ${r.errors}, non-2xx ${r.non2xx}, body mismatches ${r.mismatches}; load ${r.loadBefore} -> ${r.loadAfter}`);
  await request(platform, 'mutation($id: ID!) { cancelRun(id: $id) { status } }', { id: run.id });
  return r;
}

function rssMiB(app: AppProcess): string {
  const kb = fs.readFileSync(`/proc/${app.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
  return kb ? `${(Number(kb) / 1024).toFixed(0)} MiB` : 'unknown';
}

// ---- 1. train and index through the embedded platform ---------------------------------------
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'xling-load-'));
let embedded = await startEmbedded(home);
const { checkpointId, collection } = await trainAndIndex(embedded, 'embedded');
await stop(embedded);

// ---- 2. the parts: query encoding, raw store search ------------------------------------------
const db = await openDatabase({ kind: 'embedded', dataDir: path.join(home, 'pgdata') }, { migrate: false });
const checkpoint = await db.prisma.checkpoint.findUniqueOrThrow({ where: { id: checkpointId } });
await db.close();
const backend = await selectBackend({ prefer: 'wasm' });
console.log(`backend (this process): ${describeBackend(backend)}`);
const encoder = await loadCheckpointEncoder(checkpoint.location, { modelsDir });
const benchmark = await buildRetrievalBenchmark(dataDir, 'xquad-r');
const stride = Math.max(1, Math.floor(benchmark.queries.length / queryCount));
queries = benchmark.queries.filter((_, i) => i % stride === 0).slice(0, queryCount).map((q) => ({ text: q.text, language: q.language }));
for (const q of queries.slice(0, 20)) await encoder.embed([q.text], 'QUERY');
const encodeMs: number[] = [];
const queryVectors: Float32Array[] = [];
for (let round = 0; round < 3; round++) {
  for (const q of queries) {
    const [[vector], t] = await timed(() => encoder.embed([q.text], 'QUERY'));
    encodeMs.push(t);
    if (round === 0) queryVectors.push(vector!);
  }
}
encoder.dispose();
const store = await openEmbeddedStore({ dir: path.join(home, 'vectors') });
await store.search(collection, queryVectors[0]!, { k: K }); // loads the collection
const storeMs: number[] = [];
for (let round = 0; round < 3; round++) {
  for (const q of queryVectors) storeMs.push((await timed(() => store.search(collection, q, { k: K })))[1]);
}
await store.close();
const encoding = summary(encodeMs);
const raw = summary(storeMs);
console.log(`query encoding alone (one question per call): ${describe(encoding)} (load ${load()})`);
console.log(`store search, exact top-${K} of ${benchmark.candidates.length} vectors: ${describe(raw)} (load ${load()})`);

// ---- 3. embedded path under load --------------------------------------------------------------
embedded = await startEmbedded(home, true);
const embeddedResults = await measure(embedded, collection, 'embedded');
const embeddedRss = rssMiB(embedded.processes[0]!);
// One client again, while the same process trains: queries have their own subscription, but the
// training step shares the event loop and the cores.
const training = await whileTraining(embedded, collection);
await stop(embedded);
fs.rmSync(home, { recursive: true, force: true });

// ---- 4. distributed path: api/main.js + gpu-worker/main.js over NATS and Postgres ---------------
let distributedResults: LoadResult[] | undefined;
let distributedRss = '';
if (!skipDistributed) {
  const database = await createTestDatabase();
  const distHome = fs.mkdtempSync(path.join(os.tmpdir(), 'xling-load-dist-'));
  const prefix = `load${Date.now().toString(36)}`;
  const env = {
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_PREFIX: prefix,
    DATA_DIR: dataDir,
    MODELS_DIR: modelsDir,
    XLING_HOME: distHome,
    QDRANT_URL: '',
    NODE_ENV: 'production',
    RATE_SEARCHES_PER_MINUTE: RATE,
  };
  const platform: Platform = { url: '', processes: [] };
  try {
    platform.key = await createKeyWithCli(env, 'load-admin', 'admin');
    const port = await freePort();
    const gateway = startProfiled('api/main.js', { ...env, PORT: String(port) });
    platform.processes.push(gateway);
    platform.url = `http://127.0.0.1:${port}/graphql`;
    await listening(gateway, platform.url);
    const worker = startProfiled('gpu-worker/main.js', { ...env, WORKER_ID: 'load-worker' });
    platform.processes.push(worker);
    await waitFor(`the worker\n${worker.output()}`, async () => (await request(platform, '{ workers { id } }')).workers.length === 1, 120_000);
    const distributed = await trainAndIndex(platform, 'distributed');
    distributedResults = await measure(platform, distributed.collection, 'distributed');
    distributedRss = `gateway ${rssMiB(gateway)}, worker ${rssMiB(worker)}`;
  } finally {
    await stop(platform);
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(subjectsFor(prefix).jobStream).catch(() => undefined);
    await nc.close();
    await database.drop();
    fs.rmSync(distHome, { recursive: true, force: true });
  }
}

// ---- report ----------------------------------------------------------------------------------
console.log(`\n${queries.length} XQuAD-R questions (every ${stride}th, all 11 languages), top-${K}; ${duration} s per autocannon run`);
console.log(`query encoding alone: ${describe(encoding)}`);
console.log(`store search alone:   ${describe(raw)}`);
const parts = raw.p50 + encoding.p50;
console.log('\n| path | connections | req/s | p50 | p99 | mean | errors / non-2xx / GraphQL errors | overhead at p50 | CPU ms per request (platform / autocannon) | load average before -> after |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [label, results] of [['embedded', embeddedResults], ['embedded, while a run trains', [training]], ['distributed', distributedResults]] as const) {
  for (const r of results ?? []) {
    console.log(
      `| ${label} | ${r.connections} | ${r.perSecond.toFixed(0)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p99)} | ${fmt(r.latency.mean)} | ${r.errors} / ${r.non2xx} / ${r.mismatches} | ` +
        `${r.connections === 1 ? fmt(r.latency.p50 - parts) : ''} | ${r.platformCpuPerRequest.toFixed(2)} / ${r.clientCpuPerRequest.toFixed(2)} | ${r.loadBefore} -> ${r.loadAfter} |`,
    );
  }
}
console.log(`\nRSS after the runs: embedded ${embeddedRss}${distributedRss ? `; distributed ${distributedRss}` : ''}; load average at the end ${load()}`);
