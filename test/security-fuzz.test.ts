// Seeded fuzzing of a running gateway process (distributed mode: Postgres, NATS, keys) over HTTP: well-shaped operations with hostile values
// (path traversal, NUL, huge strings and lists, wrong types) and malformed requests (token soup,
// broken JSON, wrong methods and content types), with and without keys. Whatever comes in, the
// gateway answers below 500, in JSON, without a stack trace, a server path or file content, and
// its memory stays bounded. Reproduce a failure with FUZZ_SEED=<seed>.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTestData } from '../api/testing.js';
import { createTestDatabase, type TestDatabase } from '../prisma/testing.js';
import { type AppProcess, createKeyWithCli, dropJobStream, freePort, startApp, waitFor } from './support/processes.js';
import { createRandom } from '../gpu-worker/training/random.js';

const OPERATIONS = Number(process.env.FUZZ_OPERATIONS ?? 10_000);
const CONCURRENCY = 8;
const TIME_LIMIT_MS = 240_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
/**
 * Memory is bounded by running the gateway with a small JS heap: anything it kept per request
 * would exhaust the heap and kill it, which fails the run. RSS alone says little while V8 sizes
 * its heap and Apollo fills its parsed-document cache (an LRU of about 30 MiB): measured without
 * the heap limit, 242 MiB after 500 operations, 303-368 after 5,000, 374-380 after 10,000 and
 * 420-440 after 20,000-30,000, so the readings are reported and only the total is bounded.
 */
const HEAP_MIB = 160;
const MAX_RSS = 512 * 2 ** 20;
const HALFWAY = Math.floor(OPERATIONS / 2);

const HOSTILE_STRINGS = [
  '', ' ', 'x', 'en', 'EN', 'zz', 'mlqa-r', 'xquad-r', 'pawsx', 'bucc2018',
  '/etc/passwd', '../../../../etc/passwd', '/proc/self/environ', '../../../../etc/hostname', '..', '.', '/', 'C:\\Windows\\win.ini',
  'file:///etc/passwd', 'a\u0000b', '\u0000', '%00', '${DATABASE_URL}', '{{7*7}}', "'; DROP TABLE \"Run\"; --", '<script>alert(1)</script>',
  '\ud800', '😀'.repeat(50), 'ä'.repeat(300), 'x'.repeat(5_000), 'Wie viele Einwohner hat Berlin?', '北京有多少人口？', 'null', 'undefined',
  'MONO', 'HYBRID', 'BM25', 'admin', 'Bearer x', '-1', '1e309', 'NaN',
];
const HOSTILE_NUMBERS = [0, -1, 1, 2, 3, 7, 100, 101, 1e6, 2 ** 31, -(2 ** 31), 1.5, 1e308, -1e308, 0.5];

type Gen = { rnd: () => number; pick<T>(items: readonly T[]): T; int(max: number): number };

function generator(seed: number): Gen {
  const random = createRandom(seed);
  return { rnd: random.next, pick: (items) => items[random.int(items.length)]!, int: random.int };
}

function value(g: Gen, depth = 0): unknown {
  switch (g.int(depth > 2 ? 4 : 7)) {
    case 0:
      return g.pick(HOSTILE_STRINGS);
    case 1:
      return g.pick(HOSTILE_NUMBERS);
    case 2:
      return g.rnd() < 0.5;
    case 3:
      return null;
    case 4:
      return Array.from({ length: g.pick([0, 1, 2, 5, 70, 300]) }, () => (g.rnd() < 0.7 ? g.pick(HOSTILE_STRINGS) : value(g, depth + 1)));
    default: {
      const keys = ['name', 'path', 'text', 'collection', 'alias', 'languages', 'queryLanguage', 'k', 'model', 'steps', 'batchSize', 'alpha', 'strategy', 'trainDatasets', 'family', 'layers', 'dimension', 'vocabularySize', 'preset', 'seeds', 'runId', 'baseline', 'suites', 'description', 'checkpointId', 'dataset'];
      return Object.fromEntries(Array.from({ length: 1 + g.int(5) }, () => [g.pick(keys), value(g, depth + 1)]));
    }
  }
}

/** Operations in the schema's shape, values drawn from the hostile pools, passed as variables. */
const SHAPED: Array<[string, (g: Gen) => Record<string, unknown>]> = [
  ['mutation($input: ImportDatasetInput!) { importDataset(input: $input) { name path examples { language count } } }', (g) => ({ input: { name: g.pick(HOSTILE_STRINGS), path: g.pick(HOSTILE_STRINGS) } })],
  ['mutation($input: RegisterModelInput!) { registerModel(input: $input) { name path } }', (g) => ({ input: { name: g.pick(HOSTILE_STRINGS), path: g.pick(HOSTILE_STRINGS) } })],
  ['mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id status createdBy } }', (g) => ({ input: value(g) })],
  ['mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', (g) => ({
    input: { steps: g.pick(HOSTILE_NUMBERS), batchSize: g.pick(HOSTILE_NUMBERS), languages: ['en', 'de'], trainDatasets: ['mlqa-r'], model: { family: g.pick(['TRANSFORMER', 'BAG_OF_SUBWORDS']), layers: g.pick(HOSTILE_NUMBERS), dimension: g.pick(HOSTILE_NUMBERS), vocabularySize: g.pick(HOSTILE_NUMBERS), heads: g.pick(HOSTILE_NUMBERS) } },
  })],
  ['mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id name } }', (g) => ({ input: { name: g.pick(HOSTILE_STRINGS), description: g.pick(HOSTILE_STRINGS) } })],
  ['mutation($input: StartExperimentInput!) { startExperiment(input: $input) { id } }', (g) => ({ input: value(g) })],
  ['mutation($id: ID!) { cancelRun(id: $id) { id status } }', (g) => ({ id: g.pick(HOSTILE_STRINGS) })],
  ['mutation($input: EvaluateInput!) { evaluate(input: $input) { id } }', (g) => ({ input: value(g) })],
  ['mutation($input: IndexCorpusInput!) { indexCorpus(input: $input) { id } }', (g) => ({ input: value(g) })],
  ['mutation($a: String!, $c: ID!) { promoteCollection(alias: $a, collectionId: $c) { id } }', (g) => ({ a: g.pick(HOSTILE_STRINGS), c: g.pick(HOSTILE_STRINGS) })],
  ['mutation($n: String!, $r: String!) { createApiKey(name: $n, role: $r) { key { name } } }', (g) => ({ n: g.pick(HOSTILE_STRINGS), r: g.pick(['reader', 'trainer', 'admin', 'root', '']) })],
  ['mutation($k: String!) { revokeApiKey(key: $k) { name } }', (g) => ({ k: g.pick(HOSTILE_STRINGS) })],
  ['query($input: SearchInput!) { search(input: $input) { queryLanguage hits { text score } } }', (g) => ({ input: { collection: g.pick(HOSTILE_STRINGS), text: g.pick(HOSTILE_STRINGS), queryLanguage: g.pick(HOSTILE_STRINGS), languages: value(g), k: g.pick(HOSTILE_NUMBERS) } })],
  ['query($inputs: [SearchInput!]!) { searchBatch(inputs: $inputs) { hits { text } } }', (g) => ({ inputs: Array.from({ length: g.pick([0, 1, 65, 200]) }, () => ({ collection: 'c', text: g.pick(HOSTILE_STRINGS) })) })],
  ['query($c: [String!]!, $t: String!) { compareCollections(collections: $c, text: $t) { hits { text } } }', (g) => ({ c: value(g), t: g.pick(HOSTILE_STRINGS) })],
  ['query($m: String!, $t: [String!]!) { embed(model: $m, texts: $t) }', (g) => ({ m: g.pick(HOSTILE_STRINGS), t: value(g) })],
  ['query($f: Int, $a: String) { runs(first: $f, after: $a) { totalCount edges { node { id createdBy metrics(first: 5) { value } } } } }', (g) => ({ f: g.pick(HOSTILE_NUMBERS), a: g.pick(HOSTILE_STRINGS) })],
  ['query($id: ID!) { run(id: $id) { id checkpoints { location } evaluations { id } jobs { id error } } }', (g) => ({ id: g.pick(HOSTILE_STRINGS) })],
  ['query($id: ID!) { experiment(id: $id) { id report reportPath runs { id } } }', (g) => ({ id: g.pick(HOSTILE_STRINGS) })],
  ['query($f: Int) { jobs(first: $f) { id error } evaluations(first: $f) { id } }', (g) => ({ f: g.pick(HOSTILE_NUMBERS) })],
  ['{ datasets { name path available } models { name path } collections { name } workers { id } experiments { id } viewer { name role } }', () => ({})],
  ['subscription($id: ID!) { trainingProgress(runId: $id) { step } }', (g) => ({ id: g.pick(HOSTILE_STRINGS) })],
];

const TOKENS = ['{', '}', '(', ')', '[', ']', ':', '!', '$', '@', '...', '=', '|', '"', '"""', '#', 'query', 'mutation', 'subscription', 'fragment', 'on', 'runs', 'run', 'experiment', 'search', '__schema', '__typename', 'id', 'first', '100', '-1', 'true', 'null', 'input', 'x', 'a1:'];

interface Request {
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
  query?: string;
}

function nextRequest(g: Gen, keys: string[]): Request {
  const key = g.pick(keys);
  const auth: Record<string, string> = key ? { authorization: key } : {};
  const json = { 'content-type': 'application/json', ...auth };
  const roll = g.rnd();
  if (roll < 0.6) {
    const [query, vars] = g.pick(SHAPED);
    return { method: 'POST', headers: json, body: JSON.stringify({ query, variables: vars(g) }) };
  }
  if (roll < 0.75) {
    const query = Array.from({ length: 1 + g.int(60) }, () => g.pick(TOKENS)).join(' ');
    return { method: 'POST', headers: json, body: JSON.stringify({ query, variables: g.rnd() < 0.5 ? value(g) : undefined, operationName: g.rnd() < 0.2 ? g.pick(HOSTILE_STRINGS) : undefined }) };
  }
  if (roll < 0.85) {
    const [query, vars] = g.pick(SHAPED);
    const body = JSON.stringify({ query, variables: vars(g) });
    const cut = body.slice(0, g.int(body.length));
    return { method: 'POST', headers: g.rnd() < 0.5 ? json : { 'content-type': g.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data']), ...auth }, body: g.rnd() < 0.5 ? cut : JSON.stringify(value(g)) };
  }
  if (roll < 0.93) {
    const [query] = g.pick(SHAPED);
    return { method: 'GET', headers: { ...auth, 'apollo-require-preflight': 'true' }, query: `?query=${encodeURIComponent(g.rnd() < 0.5 ? query : Array.from({ length: 20 }, () => g.pick(TOKENS)).join(' '))}` };
  }
  // Deep or wide: the cost limits' territory.
  const depth = 5 + g.int(40);
  let inner = 'id';
  for (let i = 0; i < depth; i++) inner = `runs { experiment { ${inner} } }`;
  const wide = Array.from({ length: 1 + g.int(40) }, (_, i) => `a${i}: runs(first: ${g.pick([1, 50, 100])}) { edges { node { id metrics { value } } } }`).join(' ');
  return { method: 'POST', headers: json, body: JSON.stringify({ query: g.rnd() < 0.5 ? `{ experiment(id: "x") { ${inner} } }` : `{ ${wide} }` }) };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Hostile inputs quote paths like /etc/passwd themselves; what must never appear is where the server lives. */
const leaks = (dataDir: string): Array<[RegExp, string]> => [
  [/stacktrace/i, 'a stack trace'],
  [new RegExp(`node_modules|${escape(process.cwd())}|${escape(dataDir)}|/dist/(api|schema|prisma)/`), 'a server path'],
  [/\bat (?:async )?[\w.<>]+ \(/, 'a stack frame'],
  [/root:x:0:0|daemon:x:/, '/etc/passwd content'],
  [/DATABASE_URL=|PATH=\/|HOSTNAME=/, 'environment content'],
  [/PrismaClient|Invalid `prisma|P20\d\d|duplicate key|violates/i, 'a database error'],
];

let gateway: AppProcess;
let url: string;
let database: TestDatabase;
let home: string;
let keys: string[];
const prefix = `fuzz${Date.now().toString(36)}`;

before(async () => {
  database = await createTestDatabase();
  home = await mkdtemp(path.join(tmpdir(), 'xling-fuzz-'));
  await writeTestData(home);
  const env = {
    DATABASE_URL: database.url,
    NATS_URL,
    NATS_PREFIX: prefix,
    DATA_DIR: home,
    XLING_HOME: home,
    MODELS_DIR: home,
    // No collection is ever found, so the store is never opened (schema/setup.ts needs one set).
    QDRANT_URL: 'http://127.0.0.1:9',
    RATE_MUTATIONS_PER_MINUTE: '1000000',
    RATE_SEARCHES_PER_MINUTE: '1000000',
    MAX_ACTIVE_RUNS_TRAINER: '1000000',
    MAX_ACTIVE_RUNS_ADMIN: '1000000',
  };
  const trainer = await createKeyWithCli(env, 'fuzz-trainer', 'trainer');
  const admin = await createKeyWithCli(env, 'fuzz-admin', 'admin');
  const reader = await createKeyWithCli(env, 'fuzz-reader', 'reader');
  keys = [`Bearer ${trainer}`, `Bearer ${admin}`, `Bearer ${admin}`, `Bearer ${trainer}`, `Bearer ${reader}`, '', 'Bearer xlk_unknown', 'Basic YWRtaW46YWRtaW4='];
  const port = await freePort();
  url = `http://127.0.0.1:${port}/graphql`;
  gateway = startApp('api/main.js', { ...env, PORT: String(port), NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` });
  await waitFor(`gateway\n${gateway.output()}`, async () => (await fetch(url.replace('/graphql', '/healthz'))).ok);
});

after(async () => {
  await gateway.kill('SIGKILL');
  await dropJobStream(NATS_URL, prefix);
  await database.drop();
  await rm(home, { recursive: true, force: true });
});

async function gatewayRss(): Promise<number> {
  const status = await readFile(`/proc/${gateway.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

test(`${OPERATIONS} seeded random operations (seed ${SEED}): no 5xx, no internals, no file content, memory bounded`, async () => {
  const g = generator(SEED);
  let rssHalfway = 0;
  const deadline = Date.now() + TIME_LIMIT_MS;
  const LEAK_PATTERNS = leaks(home);
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  let next = 0;
  let done = 0;

  async function worker(): Promise<void> {
    // Generated one at a time: 10,000 bodies held at once would be the test's memory, not the gateway's.
    while (next < OPERATIONS) {
      if (Date.now() > deadline) throw new Error(`time limit: ${done} of ${OPERATIONS} operations in ${TIME_LIMIT_MS} ms`);
      const index = next++;
      const request = nextRequest(g, keys);
      if (index === HALFWAY) rssHalfway = await gatewayRss();
      if (process.env.FUZZ_TRACE && index % 2500 === 0) console.log(`${index}: gateway RSS ${((await gatewayRss()) / 2 ** 20).toFixed(0)} MiB`);
      const response = await fetch(url + (request.query ?? ''), { method: request.method, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}) });
      const text = await response.text();
      const what = `operation ${index} (${request.method} ${(request.body ?? request.query ?? '').slice(0, 160)})`;
      assert.ok(response.status < 500, `${what}: HTTP ${response.status}: ${text.slice(0, 300)}`);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      let body: { errors?: Array<{ extensions?: { code?: string } }> };
      try {
        body = JSON.parse(text);
      } catch {
        assert.fail(`${what}: not JSON: ${text.slice(0, 300)}`);
      }
      for (const [pattern, leak] of LEAK_PATTERNS) assert.ok(!pattern.test(text), `${what} answered with ${leak}: ${text.slice(0, 400)}`);
      for (const error of body.errors ?? []) {
        const code = error.extensions?.code ?? 'none';
        assert.notEqual(code, 'INTERNAL_SERVER_ERROR', `${what}: ${text.slice(0, 400)}`);
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      done++;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  assert.equal(done, OPERATIONS);
  const rssAfter = await gatewayRss();
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const summary = `statuses ${JSON.stringify(Object.fromEntries(statuses))}, codes ${JSON.stringify(Object.fromEntries(codes))}, ` +
    `gateway (JS heap limit ${HEAP_MIB} MiB) RSS ${mib(rssHalfway)} after ${HALFWAY} operations, ${mib(rssAfter)} after ${OPERATIONS}`;
  console.log(summary);
  assert.equal(gateway.child.exitCode, null, `the gateway died: ${gateway.output().slice(-2000)}`);
  assert.ok(rssAfter < MAX_RSS, summary);
  // The mix reached the resolvers, not only the front door.
  for (const code of ['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'GRAPHQL_VALIDATION_FAILED']) assert.ok((codes.get(code) ?? 0) > 0, `no ${code} in ${summary}`);
  assert.ok((statuses.get(200) ?? 0) > 0, summary);
  // The gateway still answers.
  const health = await fetch(url.replace('/graphql', '/healthz'));
  assert.equal(health.status, 200);
});
