// Seeded fuzzing of a running gateway over HTTP: well-shaped operations with hostile values
// (path traversal, NUL, huge strings and lists, wrong types) and malformed requests (token soup,
// broken JSON, wrong methods and content types), with and without keys. Whatever comes in, the
// gateway answers below 500, in JSON, without a stack trace, a server path or file content, and
// its memory stays bounded. Reproduce a failure with FUZZ_SEED=<seed>.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createApiKey } from '../api/auth/api-keys.js';
import { startTestGateway, type TestGateway } from '../api/testing.js';

const OPERATIONS = 10_000;
const CONCURRENCY = 8;
const TIME_LIMIT_MS = 240_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20261205);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
  const rnd = mulberry32(seed);
  return { rnd, pick: (items) => items[Math.floor(rnd() * items.length)]!, int: (max) => Math.floor(rnd() * max) };
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

let gw: TestGateway;
let keys: string[];

before(async () => {
  gw = await startTestGateway({
    securityEnv: { AUTH: 'on', RATE_MUTATIONS_PER_MINUTE: '1000000', RATE_SEARCHES_PER_MINUTE: '1000000', MAX_ACTIVE_RUNS_TRAINER: '1000000', MAX_ACTIVE_RUNS_ADMIN: '1000000' },
  });
  const trainer = (await createApiKey(gw.db.prisma, 'fuzz-trainer', 'trainer')).secret;
  const admin = (await createApiKey(gw.db.prisma, 'fuzz-admin', 'admin')).secret;
  const reader = (await createApiKey(gw.db.prisma, 'fuzz-reader', 'reader')).secret;
  keys = [`Bearer ${trainer}`, `Bearer ${admin}`, `Bearer ${admin}`, `Bearer ${trainer}`, `Bearer ${reader}`, '', 'Bearer xlk_unknown', 'Basic YWRtaW46YWRtaW4='];
});
after(() => gw.close());

function memoryAfterGc(): { rss: number; heap: number } {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

test(`${OPERATIONS} seeded random operations (seed ${SEED}): no 5xx, no internals, no file content, memory bounded`, async () => {
  const g = generator(SEED);
  const memoryBefore = memoryAfterGc();
  const deadline = Date.now() + TIME_LIMIT_MS;
  const LEAK_PATTERNS = leaks(gw.dataDir);
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
      const response = await fetch(gw.url + (request.query ?? ''), { method: request.method, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}) });
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
  const memoryAfter = memoryAfterGc();
  const rows = { runs: await gw.db.prisma.run.count(), experiments: await gw.db.prisma.experiment.count(), jobs: await gw.db.prisma.job.count(), keys: await gw.db.prisma.apiKey.count() };
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const summary = `statuses ${JSON.stringify(Object.fromEntries(statuses))}, codes ${JSON.stringify(Object.fromEntries(codes))}, rows written ${JSON.stringify(rows)}, ` +
    `JS heap growth ${mib(memoryAfter.heap - memoryBefore.heap)}, RSS growth ${mib(memoryAfter.rss - memoryBefore.rss)} (the in-memory database included)`;
  console.log(summary);
  // The JS heap is where a leak per request would show; RSS also holds the in-memory database the accepted mutations filled.
  assert.ok(memoryAfter.heap - memoryBefore.heap < 50 * 2 ** 20, summary);
  assert.ok(memoryAfter.rss - memoryBefore.rss < 100 * 2 ** 20, summary);
  // The mix reached the resolvers, not only the front door.
  for (const code of ['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'GRAPHQL_VALIDATION_FAILED']) assert.ok((codes.get(code) ?? 0) > 0, `no ${code} in ${summary}`);
  assert.ok((statuses.get(200) ?? 0) > 0, summary);
  // The gateway still answers.
  const health = await fetch(gw.url.replace('/graphql', '/healthz'));
  assert.equal(health.status, 200);
});
