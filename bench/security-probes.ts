// The outside probe's findings re-run as written against the running platform, as a hostile
// client over loopback, recording what each gets now:
//
//   npx tsc -p tsconfig.json && node dist/bench/security-probes.js [--import-mb 76] [--imports 6]
//       [--subscriptions 10000] [--flood 265] [--keep]
//
// 1. `npm start` as a user runs it (dist/deploy/embedded.js: open mode on loopback, embedded
//    database and bus) in a child process, with a temp XLING_HOME, DATA_DIR (a symlink to
//    ../shared/data/mlqa-r and a generated JSONL file, so imports inside the import root can be
//    tried), MODELS_DIR (a symlink to the XLM-R tokenizer the default model needs) and REPORTS_DIR.
// 2. Later the same entry point on another XLING_HOME with AUTH=on and a trainer key made with
//    `node dist/deploy/keys.js` before it starts; and the refused setups (api/main.js with
//    NATS_URL and no QDRANT_URL, a second embedded.js on a home in use).
//
// For every probe: the HTTP status, error code and the first 120 characters of the message; rows
// or files written (counted through GraphQL and on disk); the time; the gateway process's VmRSS
// (from /proc/<pid>/status) before, after, and its peak sampled every 50 ms; and /healthz right
// after. A probe fails safely when nothing answers 5xx, no answer carries a stack trace, file
// content or a server path, nothing is written that should not be, /healthz answers 200 within
// 1 s, and RSS rises less than 100 MB (peak against before); plus the expectation each finding
// names (identical answers, a code, a cap). The table goes to stdout; the exit code is 1 when any
// probe did not fail safely. Not a test: timings are recorded, not asserted.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { defaultSharedDir } from '../schema/config.js';
import { createKeyWithCli, freePort, startApp, waitFor, type AppProcess } from '../test/support/processes.js';
import { argument } from './cli.js';

const importMb = Number(argument('import-mb') ?? 76);
const importCount = Number(argument('imports') ?? 6);
const subscriptionCount = Number(argument('subscriptions') ?? 10_000);
const floodCount = Number(argument('flood') ?? 265);
const keep = process.argv.includes('--keep');
const RSS_LIMIT_MB = 100;
const HEALTH_LIMIT_MS = 1_000;

const sharedData = defaultSharedDir('data', process.cwd(), fs.existsSync);
const sharedModels = defaultSharedDir('models', process.cwd(), fs.existsSync);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'xling-probes-'));
const dataDir = path.join(root, 'data');
const modelsDir = path.join(root, 'models');
const reportsDir = path.join(root, 'reports');
const homeA = path.join(root, 'home-open');
const homeB = path.join(root, 'home-keys');
for (const dir of [dataDir, modelsDir, reportsDir, homeA, homeB]) fs.mkdirSync(dir, { recursive: true });
fs.symlinkSync(path.join(sharedData, 'mlqa-r'), path.join(dataDir, 'mlqa-r'));
fs.symlinkSync(path.join(sharedModels, 'xlmr-tokenizer'), path.join(modelsDir, 'xlmr-tokenizer'));

const hostname = (() => {
  try {
    return fs.readFileSync('/etc/hostname', 'utf8').trim();
  } catch {
    return '';
  }
})();
/** Places on this machine no answer may name (the client's own input excepted). */
const serverPaths = [...new Set([root, fs.realpathSync(root), os.tmpdir() + path.sep, process.cwd(), fs.realpathSync(sharedData), '/work/', '/home/'])];

const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`temp root: ${root}`);

// ---- processes --------------------------------------------------------------------------------

const baseEnv: Record<string, string> = {
  DATA_DIR: dataDir,
  MODELS_DIR: modelsDir,
  REPORTS_DIR: reportsDir,
  // Nothing inherited from the caller's shell changes the setup under test.
  DATABASE_URL: '',
  NATS_URL: '',
  QDRANT_URL: '',
  AUTH: '',
  HOST: '',
  NODE_ENV: '',
  IMPORT_ROOTS: '',
  ALLOWED_ORIGINS: '',
  CHECKPOINT_DIR: '',
};

interface Platform {
  name: string;
  app: AppProcess;
  env: Record<string, string>;
  base: string;
  url: string;
  wsUrl: string;
  pid: number;
}

const children: AppProcess[] = [];

function launch(entry: string, env: Record<string, string>, args: readonly string[] = []): AppProcess {
  const app = startApp(entry, env, args);
  children.push(app);
  return app;
}

async function startPlatform(name: string, env: Record<string, string>): Promise<Platform> {
  const port = await freePort();
  const fullEnv = { ...baseEnv, ...env, PORT: String(port) };
  const started = performance.now();
  const app = launch('deploy/embedded.js', fullEnv);
  await Promise.race([
    waitFor(`${name} to listen`, () => app.output().includes('GraphQL:'), 120_000),
    app.exited.then((code) => Promise.reject(new Error(`${name} exited (${code}):\n${app.output()}`))),
  ]);
  const url = /GraphQL: (\S+)/.exec(app.output())![1]!;
  console.log(`${name}: pid ${app.child.pid}, ${url}, started in ${((performance.now() - started) / 1000).toFixed(1)} s; ${/auth: .*/.exec(app.output())?.[0] ?? ''}`);
  return { name, app, env: fullEnv, base: url.replace(/\/graphql$/, ''), url, wsUrl: url.replace(/^http/, 'ws'), pid: app.child.pid! };
}

/** SIGTERM, then SIGKILL after 10 s. */
async function stop(app: AppProcess): Promise<number | null> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return app.child.exitCode;
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 10_000);
  const code = await app.exited;
  clearTimeout(timer);
  return code;
}

/** Exit code and output of a process expected to stop by itself within `ms`. */
async function exitOf(app: AppProcess, ms = 30_000): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  const timer = setTimeout(() => app.child.kill('SIGKILL'), ms);
  const code = await app.exited;
  clearTimeout(timer);
  return { code, output: app.output().trim(), ms: performance.now() - started };
}

// ---- memory -----------------------------------------------------------------------------------

/** VmRSS of a process in MB (10^6 bytes), NaN once it is gone. */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? (Number(kb) * 1024) / 1e6 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const sampler = { pid: 0, peak: 0 };
const samplerTimer = setInterval(() => {
  if (!sampler.pid) return;
  const mb = rssMb(sampler.pid);
  if (mb > sampler.peak) sampler.peak = mb;
}, 50);
samplerTimer.unref();

// ---- HTTP -------------------------------------------------------------------------------------

interface Reply {
  status: number;
  type: string;
  text: string;
  json?: any;
  ms: number;
  /** A transport error (e.g. the server closed the connection before the body was sent). */
  error?: string;
}

function post(url: string, body: string | Buffer, headers: Record<string, string> = {}, localAddress?: string): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (reply: Omit<Reply, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...reply, ms: performance.now() - started });
    };
    const options = { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers }, ...(localAddress ? { localAddress } : {}) };
    const request = http.request(url, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        done({ status: response.statusCode ?? 0, type: String(response.headers['content-type'] ?? ''), text, json });
      });
      response.on('error', (error: NodeJS.ErrnoException) => done({ status: response.statusCode ?? 0, type: '', text, error: error.code ?? error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => done({ status: 0, type: '', text: '', error: error.code ?? error.message }));
    request.end(body);
  });
}

/** `from`: the client's own loopback address (the open gateway counts rate limits per client address). */
function gql(platform: Platform, query: string, variables?: Record<string, unknown>, key?: string, from?: string): Promise<Reply> {
  return post(platform.url, JSON.stringify({ query, variables }), key ? { authorization: `Bearer ${key}` } : {}, from);
}

/** The data of an answer that must succeed (setup steps, counts). */
async function data(platform: Platform, query: string, variables?: Record<string, unknown>, key?: string): Promise<any> {
  const reply = await gql(platform, query, variables, key);
  if (!reply.json?.data || reply.json.errors) throw new Error(`setup request failed: ${query.slice(0, 80)} -> ${reply.status} ${reply.text.slice(0, 300)}`);
  return reply.json.data;
}

const firstError = (reply: Reply): { message: string; extensions?: Record<string, any> } | undefined => reply.json?.errors?.[0];
const codeOf = (reply: Reply): string | undefined => firstError(reply)?.extensions?.code;

/** `status code: message` with the message cut to 120 characters. */
function summary(reply: Reply): string {
  if (reply.error && !reply.status) return `no response (${reply.error})`;
  const error = firstError(reply);
  if (!error) return `${reply.status} data`;
  const message = error.message.length > 120 ? `${error.message.slice(0, 120)}…` : error.message;
  return `${reply.status} ${error.extensions?.code ?? '-'}: ${message}`;
}

/** What an answer must never carry. `given` is the client's own input, which may be echoed. */
function leaks(text: string, given: readonly string[] = []): string | undefined {
  let t = text;
  for (const g of given) if (g) t = t.split(g).join('<given>');
  if (/stacktrace/i.test(t)) return 'a stack trace';
  if (/\bat [\w.<>$]+ \(|node:internal/.test(t)) return 'a stack frame';
  if (/root:x:0:0/.test(t)) return 'file content (root:x:0:0)';
  if (/\bPATH=|DATABASE_URL|XLING_HOME=|DATA_DIR=/.test(t)) return 'environment content';
  if (hostname.length >= 4 && t.includes(hostname)) return 'file content (/etc/hostname)';
  if (/node_modules|file:\/\//.test(t)) return 'a server path';
  for (const p of serverPaths) if (t.includes(p)) return `a server path (${p})`;
  return undefined;
}

/** Problems of a reply any probe checks: a 5xx and leaks. */
function replyProblems(reply: Reply, given: readonly string[] = []): string[] {
  const problems: string[] = [];
  if (reply.status >= 500) problems.push(`HTTP ${reply.status}`);
  if (codeOf(reply) === 'INTERNAL_SERVER_ERROR') problems.push('INTERNAL_SERVER_ERROR');
  const leak = leaks(reply.text, given);
  if (leak) problems.push(`answer has ${leak}`);
  return problems;
}

async function healthz(platform: Platform, timeoutMs = HEALTH_LIMIT_MS): Promise<{ ok: boolean; text: string; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(`${platform.base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.text();
    const ms = performance.now() - started;
    return { ok: response.status === 200 && ms < HEALTH_LIMIT_MS, text: `${response.status} in ${fmtMs(ms)}`, ms };
  } catch (error) {
    return { ok: false, text: `no answer within ${fmtMs(timeoutMs)} (${(error as Error).name})`, ms: performance.now() - started };
  }
}

/** Polls /healthz every 200 ms (5 s timeout each) until stopped; resolves with the slowest answer in ms. */
function watchHealth(platform: Platform): { stop: () => Promise<number> } {
  let polling = true;
  let slowest = 0;
  const done = (async () => {
    while (polling) {
      slowest = Math.max(slowest, (await healthz(platform, 5_000)).ms);
      if (polling) await sleep(200);
    }
  })();
  return {
    async stop() {
      polling = false;
      await done;
      return slowest;
    },
  };
}

// ---- probes -----------------------------------------------------------------------------------

interface Outcome {
  now: string;
  /** Time of the probe's own requests; default the whole probe. */
  ms?: number;
  problems?: string[];
}

interface Row {
  id: string;
  probe: string;
  before: string;
  now: string;
  ms: number;
  rss: { before: number; after: number; peak: number };
  health: string;
  /** Slowest /healthz while the probe ran (polled every 200 ms). */
  healthDuring: number;
  problems: string[];
}

const rows: Row[] = [];

async function probe(platform: Platform, id: string, what: string, before: string, run: () => Promise<Outcome>): Promise<void> {
  const rssBefore = rssMb(platform.pid);
  sampler.pid = platform.pid;
  sampler.peak = rssBefore;
  const started = performance.now();
  const watch = watchHealth(platform);
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (error) {
    outcome = { now: `probe script error: ${(error as Error).message.slice(0, 200)}`, problems: ['the probe did not complete'] };
  }
  const elapsed = outcome.ms ?? performance.now() - started;
  const rssAfter = rssMb(platform.pid);
  const healthDuring = await watch.stop();
  const peak = Math.max(sampler.peak, Number.isNaN(rssAfter) ? 0 : rssAfter);
  sampler.pid = 0;
  const health = await healthz(platform);
  const problems = [...(outcome.problems ?? [])];
  if (!health.ok) problems.push(`/healthz ${health.text}`);
  if (peak - rssBefore >= RSS_LIMIT_MB) problems.push(`RSS +${(peak - rssBefore).toFixed(0)} MB`);
  const row: Row = { id, probe: what, before, now: outcome.now, ms: elapsed, rss: { before: rssBefore, after: rssAfter, peak }, health: health.text, healthDuring, problems };
  rows.push(row);
  console.log(`${id} ${what}: ${outcome.now} [${fmtMs(elapsed)}, RSS ${fmtRss(row.rss)}, /healthz ${health.text} (slowest during ${fmtMs(healthDuring)})]${problems.length ? ` NOT SAFE: ${problems.join('; ')}` : ''}`);
}

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const fmtRss = ({ before, after, peak }: Row['rss']) => {
  const d = (x: number) => `${x - before >= 0 ? '+' : ''}${(x - before).toFixed(0)}`;
  return `${before.toFixed(0)} → ${after.toFixed(0)} MB (${d(after)}; peak ${d(peak)} = ${peak.toFixed(0)})`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The client's answer with its own input put back as a placeholder, to compare two refusals. */
const normalized = (reply: Reply, given: string) => `${reply.status} ${JSON.stringify(reply.json ?? reply.text).split(JSON.stringify(given).slice(1, -1)).join('<path>')}`;

function nested(experimentId: string, pairs: number): string {
  let inner = 'id';
  for (let i = 0; i < pairs; i++) inner = `runs { experiment { ${inner} } }`;
  return `{ experiment(id: "${experimentId}") { ${inner} } }`;
}
const aliases = (field: string, n = 1000) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

const IMPORT = 'mutation($input: ImportDatasetInput!) { importDataset(input: $input) { name path } }';
const REGISTER = 'mutation($input: RegisterModelInput!) { registerModel(input: $input) { name path } }';
const START = 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id status hyperParameters { keepCheckpoints checkpointEvery steps } } }';
const CANCEL = 'mutation($id: ID!) { cancelRun(id: $id) { id status } }';
const SMALL_RUN = { steps: 5, batchSize: 2, languages: ['en', 'de'], trainDatasets: ['mlqa-r'] };
const countDatasets = async (p: Platform, key?: string) => ((await data(p, '{ datasets { name } }', undefined, key)).datasets as unknown[]).length;
const countModels = async (p: Platform) => ((await data(p, '{ models { name } }')).models as unknown[]).length;
const countRuns = async (p: Platform, key?: string) => (await data(p, '{ runs { totalCount } }', undefined, key)).runs.totalCount as number;
const experimentNames = async (p: Platform, key?: string) => ((await data(p, '{ experiments { name } }', undefined, key)).experiments as Array<{ name: string }>).map((e) => e.name);

/** A valid import file of about `mb` MB: one {"id","language","query","passage"} object per line, each id in en and de. */
function writeJsonl(file: string, mb: number): { bytes: number; lines: number } {
  const fd = fs.openSync(file, 'w');
  const target = mb * 1e6;
  let bytes = 0;
  let lines = 0;
  let group = 0;
  const filler = 'The river crosses the old town, passes the market and the cathedral, and reaches the harbour after some kilometres.';
  while (bytes < target) {
    let chunk = '';
    while (chunk.length < 4e6 && bytes + chunk.length < target) {
      const id = `g${group++}`;
      chunk += `${JSON.stringify({ id, language: 'en', query: `Where does item ${group} go?`, passage: `Item ${group}: ${filler}` })}\n`;
      chunk += `${JSON.stringify({ id, language: 'de', query: `Wohin geht Nummer ${group}?`, passage: `Nummer ${group}: Der Fluss durchquert die Altstadt, den Markt und den Dom und erreicht nach einigen Kilometern den Hafen.` })}\n`;
      lines += 2;
    }
    fs.writeSync(fd, chunk);
    bytes += Buffer.byteLength(chunk);
  }
  fs.closeSync(fd);
  return { bytes, lines };
}

// ---- the run ----------------------------------------------------------------------------------

const benchStarted = performance.now();
let exitCode = 0;
try {
  const big = writeJsonl(path.join(dataDir, 'big.jsonl'), importMb);
  console.log(`import file: big.jsonl in DATA_DIR, ${(big.bytes / 1e6).toFixed(1)} MB, ${big.lines} records`);

  // ======== A: npm start, open mode on loopback ========
  const A = await startPlatform('A (npm start, open)', { XLING_HOME: homeA });
  console.log(`A: RSS at start ${rssMb(A.pid).toFixed(0)} MB; /healthz ${(await healthz(A)).text}`);

  const { datasets } = await data(A, '{ datasets { name languages available trainable } }');
  const mlqa = (datasets as Array<{ name: string; languages: string[]; available: boolean }>).find((d) => d.name === 'mlqa-r');
  console.log(`datasets: ${datasets.length} in the catalog; mlqa-r available ${mlqa?.available}, languages ${mlqa?.languages.join(',')}`);

  // An experiment with 3 runs (the nesting probes' target). Run 1 trains alone first: the first
  // run after a start loads the tokenizer in the platform's one process, which is measured here
  // rather than inside a probe. Runs 2 and 3 then keep the worker busy, so that the large run of
  // probe 4c waits behind them and is cancelled while still queued.
  const experiment = (await data(A, 'mutation { createExperiment(input: { name: "probe-nesting" }) { id } }')).createExperiment.id as string;
  const endOf = (id: string) =>
    waitFor(`run ${id} to end`, async () => {
      const { run } = await data(A, 'query($id: ID!) { run(id: $id) { status error checkpoints { step } } }', { id });
      return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status) && run;
    }, 180_000);
  const runIds: string[] = [(await data(A, START, { input: { ...SMALL_RUN, seed: 1, experimentId: experiment } })).startTrainingRun.id];
  const warmStarted = performance.now();
  const warmWatch = watchHealth(A);
  const run1 = await endOf(runIds[0]!);
  const slowestWhileTraining = await warmWatch.stop();
  console.log(
    `warm-up: run 1 (steps 5, batch 2, default model) ${run1.status}${run1.error ? ` (${run1.error})` : ''} in ${fmtMs(performance.now() - warmStarted)}; ` +
      `slowest /healthz while it trained ${fmtMs(slowestWhileTraining)} (the worker runs in the gateway's process); RSS now ${rssMb(A.pid).toFixed(0)} MB`,
  );
  for (let seed = 2; seed <= 3; seed++) runIds.push((await data(A, START, { input: { ...SMALL_RUN, seed, experimentId: experiment } })).startTrainingRun.id);
  console.log(`experiment ${experiment} with runs ${runIds.join(', ')}`);

  await probe(A, '4b', 'TRANSFORMER 48 layers, d 4096, 64 heads, vocab 262,144, FFN 8192 (open mode = admin caps)', '7.5B-parameter run accepted', async () => {
    const before = await countRuns(A);
    const reply = await gql(A, START, { input: { model: { family: 'TRANSFORMER', layers: 48, dimension: 4096, heads: 64, vocabularySize: 262_144, ffnDimension: 8192 }, languages: ['en', 'de'], trainDatasets: ['mlqa-r'] } });
    const written = (await countRuns(A)) - before;
    const problems = replyProblems(reply);
    if (written !== 0) problems.push(`${written} run(s) written`);
    if (codeOf(reply) !== 'BAD_USER_INPUT') problems.push('not refused as BAD_USER_INPUT');
    const message = firstError(reply)?.message ?? '';
    return { now: `${summary(reply)} (ends: "…${message.slice(-90)}"); runs written: ${written}`, ms: reply.ms, problems };
  });

  await probe(A, '4c', 'BAG_OF_SUBWORDS/HASHED 262,144 × 512, checkpointEvery 2 (open mode), cancelled at once', '1.6 GB checkpoints every 2 steps, never pruned', async () => {
    const reply = await gql(A, START, { input: { model: { family: 'BAG_OF_SUBWORDS', tokenizer: 'HASHED', vocabularySize: 262_144, dimension: 512 }, languages: ['en', 'de'], trainDatasets: ['mlqa-r'], checkpointEvery: 2 } });
    const problems = replyProblems(reply);
    const run = reply.json?.data?.startTrainingRun;
    if (!run) return { now: summary(reply), ms: reply.ms, problems };
    const cancel = await gql(A, CANCEL, { id: run.id });
    const status = cancel.json?.data?.cancelRun?.status ?? summary(cancel);
    await sleep(500);
    const dir = path.join(homeA, 'checkpoints', run.id);
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
    if (status !== 'CANCELLED') problems.push(`cancelRun answered ${status}`);
    const h = run.hyperParameters;
    const kept = ((h.keepCheckpoints * 262_144 * 512 * 12) / 1e9).toFixed(1);
    return {
      now: `accepted (${run.status}, steps ${h.steps}) with keepCheckpoints ${h.keepCheckpoints}, checkpointEvery ${h.checkpointEvery}: older checkpoints pruned, at most ${h.keepCheckpoints} × 134M params × 12 B = ${kept} GB kept (computed, not trained); cancelRun → ${status}; checkpoint entries on disk: ${files}`,
      ms: reply.ms + cancel.ms,
      problems,
    };
  });

  // The other probes run with the worker idle.
  for (const id of runIds.slice(1)) {
    const run = await endOf(id);
    console.log(`run ${id}: ${run.status}, ${run.checkpoints.length} checkpoint(s)`);
  }
  console.log(`worker idle; RSS now ${rssMb(A.pid).toFixed(0)} MB`);

  // ---- probe 1: files outside the import roots ----
  for (const [id, given, before] of [
    ['1a', '/etc/passwd', "answered with the file's first lines in extensions.lines"],
    ['1b', '/proc/self/environ', 'returned DATABASE_URL (the environment of the gateway)'],
    ['1c', '../../../../etc/hostname', 'followed out of the data folder'],
  ] as const) {
    await probe(A, id, `importDataset path "${given}"`, before, async () => {
      const count = await countDatasets(A);
      const reply = await gql(A, IMPORT, { input: { name: 'x', path: given } });
      const written = (await countDatasets(A)) - count;
      const problems = replyProblems(reply, [given]);
      if (written !== 0) problems.push(`${written} dataset(s) written`);
      if (reply.json?.data?.importDataset) problems.push('the import was accepted');
      return { now: `${summary(reply)}; datasets written: ${written}; no file content`, ms: reply.ms, problems };
    });
  }

  await probe(A, '1d', 'importDataset: existing outside file (/etc/passwd) vs missing one (/nope/passwd)', 'told whether a path exists', async () => {
    const a = await gql(A, IMPORT, { input: { name: 'x', path: '/etc/passwd' } });
    const b = await gql(A, IMPORT, { input: { name: 'x', path: '/nope/passwd' } });
    const same = normalized(a, '/etc/passwd') === normalized(b, '/nope/passwd');
    const problems = [...replyProblems(a, ['/etc/passwd']), ...replyProblems(b, ['/nope/passwd'])];
    if (!same) problems.push(`answers differ: ${normalized(a, '/etc/passwd').slice(0, 150)} | ${normalized(b, '/nope/passwd').slice(0, 150)}`);
    return { now: `${same ? 'identical' : 'DIFFERENT'} answers but for the echoed path: ${summary(b)}`, ms: a.ms + b.ms, problems };
  });

  await probe(A, '1e', 'registerModel: existing outside folder (/etc) vs missing one (/nope)', 'told whether a path exists', async () => {
    const count = await countModels(A);
    const a = await gql(A, REGISTER, { input: { name: 'x', path: '/etc' } });
    const b = await gql(A, REGISTER, { input: { name: 'x', path: '/nope' } });
    const written = (await countModels(A)) - count;
    const same = normalized(a, '/etc') === normalized(b, '/nope');
    const problems = [...replyProblems(a, ['/etc']), ...replyProblems(b, ['/nope'])];
    if (!same) problems.push(`answers differ: ${normalized(a, '/etc').slice(0, 150)} | ${normalized(b, '/nope').slice(0, 150)}`);
    if (written !== 0) problems.push(`${written} model(s) written`);
    return { now: `${same ? 'identical' : 'DIFFERENT'} answers but for the echoed path: ${summary(b)}; models written: ${written}`, ms: a.ms + b.ms, problems };
  });

  // ---- probe 2: cross-site WebSocket ----
  await probe(A, '2', 'graphql-ws with Origin http://evil.example: connection_init + subscribe { createExperiment(name "pwned") }', 'createExperiment ran', async () => {
    const started = performance.now();
    const socket = new WebSocket(A.wsUrl, 'graphql-transport-ws', { origin: 'http://evil.example' });
    const received: string[] = [];
    const upgrade = await new Promise<string>((resolve) => {
      socket.on('unexpected-response', (_request, response) => {
        resolve(`upgrade refused: HTTP ${response.statusCode}`);
        response.resume();
      });
      socket.on('open', () => {
        socket.send(JSON.stringify({ type: 'connection_init' }));
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'mutation { createExperiment(input: { name: "pwned" }) { id } }' } }));
        setTimeout(() => resolve('upgrade accepted (101)'), 1000);
      });
      socket.on('message', (m) => received.push(String(m)));
      socket.on('error', () => {});
    });
    const ms = performance.now() - started;
    socket.terminate();
    const pwned = (await experimentNames(A)).filter((n) => n === 'pwned').length;
    const problems: string[] = [];
    if (pwned > 0) problems.push(`${pwned} experiment(s) "pwned" written`);
    if (!upgrade.startsWith('upgrade refused')) problems.push('the upgrade was accepted');
    return { now: `${upgrade}${received.length ? `; messages: ${received.join(' ').slice(0, 120)}` : ''}; experiments "pwned": ${pwned}`, ms, problems };
  });

  // ---- probe 3: cost of one request ----
  const costProbe = (id: string, what: string, before: string, query: string) =>
    probe(A, id, what, before, async () => {
      const reply = await gql(A, query);
      const problems = replyProblems(reply, [experiment]);
      if (reply.json?.data) problems.push('the operation ran');
      return { now: `${summary(reply)} (request ${(Buffer.byteLength(query) / 1000).toFixed(1)} kB)`, ms: reply.ms, problems };
    });
  const control = await gql(A, nested(experiment, 1));
  console.log(`control: experiment { runs { experiment { id } } } → ${control.json?.data?.experiment?.runs?.length ?? summary(control)} runs`);
  await costProbe('3a', 'experiment { runs { experiment { runs … } } } nested 50 deep (25 × runs/experiment)', 'RSS 0.8 → 4.3 GB, /healthz dead', nested(experiment, 25));
  await costProbe('3b', 'the same nested 18 deep (9 × runs/experiment)', '10 s, +456 MB', nested(experiment, 9));
  await costProbe('3c', '1,000 aliases of runs(first: 100) { totalCount }', '3 s, +120-150 MB', aliases('runs(first: 100) { totalCount }'));
  await costProbe('3d', '1,000 aliases of datasets { name }', '3 s, +120-150 MB', aliases('datasets { name }'));
  await costProbe('3e', '1,000 aliased search calls', "got round searchBatch's cap of 64", aliases('search(input: { collection: "c", text: "t" }) { hits { text } }'));

  // ---- probe 5: what errors leak ----
  await probe(A, '5a', 'BAD_USER_INPUT: startTrainingRun(input: { alpha: 7 })', 'stack traces with absolute paths', async () => {
    const reply = await gql(A, 'mutation { startTrainingRun(input: { alpha: 7 }) { id } }');
    const problems = replyProblems(reply);
    if (codeOf(reply) !== 'BAD_USER_INPUT') problems.push('not BAD_USER_INPUT');
    const keys = Object.keys(firstError(reply)?.extensions ?? {}).sort().join(', ');
    return { now: `${summary(reply)}; extensions: ${keys}`, ms: reply.ms, problems };
  });

  await probe(A, '5b', 'malformed JSON body', 'Express HTML error page', async () => {
    const reply = await post(A.url, '{"query": "{ runs { totalCount } ');
    const problems = replyProblems(reply);
    if (!/json/.test(reply.type)) problems.push(`content-type ${reply.type}`);
    return { now: `${summary(reply)} (${reply.type.split(';')[0]})`, ms: reply.ms, problems };
  });

  await probe(A, '5c', '10 MB body', 'Express HTML error page', async () => {
    const reply = await post(A.url, JSON.stringify({ query: '{ runs { totalCount } }', variables: { pad: 'x'.repeat(10 * 1024 * 1024) } }));
    const problems = replyProblems(reply);
    if (reply.status && !/json/.test(reply.type)) problems.push(`content-type ${reply.type}`);
    return { now: `${summary(reply)}${reply.type ? ` (${reply.type.split(';')[0]})` : ''}${reply.error ? `; connection: ${reply.error}` : ''}`, ms: reply.ms, problems };
  });

  await probe(A, '5d', 'NUL byte in createExperiment(name: "a\\u0000b")', 'raw Postgres error 22021 as INTERNAL_SERVER_ERROR', async () => {
    const before = (await experimentNames(A)).length;
    const reply = await gql(A, 'mutation($name: String!) { createExperiment(input: { name: $name }) { id } }', { name: 'a\u0000b' });
    const written = (await experimentNames(A)).length - before;
    const problems = replyProblems(reply);
    if (codeOf(reply) !== 'BAD_USER_INPUT') problems.push('not BAD_USER_INPUT');
    if (written !== 0) problems.push(`${written} experiment(s) written`);
    return { now: `${summary(reply)}; experiments written: ${written}`, ms: reply.ms, problems };
  });

  await probe(A, '5e', '{ runs(first: 5) { edges { node { checkpoints { location } } } } }', 'Checkpoint.location absolute', async () => {
    const reply = await gql(A, '{ runs(first: 5) { edges { node { checkpoints { location } } } } }');
    const locations = ((reply.json?.data?.runs?.edges ?? []) as Array<{ node: { checkpoints: Array<{ location: string }> } }>).flatMap((e) => e.node.checkpoints.map((c) => c.location));
    const problems = replyProblems(reply);
    const absolute = locations.filter((l) => path.isAbsolute(l));
    if (absolute.length) problems.push(`absolute locations: ${absolute.join(', ')}`);
    if (!locations.length) problems.push('no checkpoint to look at (run 1 wrote none)');
    return { now: `${reply.status}: ${locations.length} checkpoint(s), e.g. "${locations[0] ?? ''}"; absolute: ${absolute.length}`, ms: reply.ms, problems };
  });

  await probe(A, '5f', '500 KB string value (trainDatasets[0])', '500 KB in, 1.5 MB out', async () => {
    const long = 'y'.repeat(500_000);
    const reply = await gql(A, 'mutation($input: TrainingRunInput!) { startTrainingRun(input: $input) { id } }', { input: { trainDatasets: [long] } });
    const longestEcho = Math.max(0, ...(reply.text.match(/y{20,}/g) ?? []).map((s) => s.length));
    const problems = replyProblems(reply);
    if (longestEcho > 200) problems.push(`echoed ${longestEcho} characters`);
    return { now: `${summary(reply).slice(0, 80)}…; response ${reply.text.length} bytes, longest echo ${longestEcho} characters`, ms: reply.ms, problems };
  });

  // ---- probe 6: resources ----
  await probe(A, '6a', `${subscriptionCount.toLocaleString('en')} subscriptions from one client over one WebSocket`, '10,000 accepted (RSS 200 → 442 MB)', async () => {
    const started = performance.now();
    const socket = new WebSocket(A.wsUrl, 'graphql-transport-ws');
    const refused = new Map<string, string>();
    let completed = 0;
    let closed: string | undefined;
    let lastMessage = performance.now();
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', (raw) => {
        lastMessage = performance.now();
        const message = JSON.parse(String(raw));
        if (message.type === 'connection_ack') resolve();
        else if (message.type === 'error') refused.set(message.id, `${message.payload?.[0]?.extensions?.code ?? '-'}: ${message.payload?.[0]?.message ?? ''}`);
        else if (message.type === 'complete') completed++;
      });
      socket.on('close', (code, reason) => {
        closed = `${code} ${String(reason)}`;
        reject(new Error(`closed before ack: ${closed}`));
      });
      socket.on('error', reject);
    });
    const query = 'subscription { runStatusChanged { runId } }';
    for (let i = 0; i < subscriptionCount; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query } }));
    // Settled: every subscription answered by a refusal, or nothing new for a second.
    let last = -1;
    while (refused.size !== last && closed === undefined) {
      last = refused.size;
      await sleep(1000);
    }
    const ms = lastMessage - started;
    const rssWith = rssMb(A.pid);
    const closedByServer = closed;
    socket.close();
    await sleep(300);
    const accepted = subscriptionCount - refused.size - completed;
    const reasons = [...new Set(refused.values())].join(' | ');
    const problems: string[] = [];
    if (accepted > 100) problems.push(`${accepted} subscriptions accepted on one connection`);
    if (leaks(reasons)) problems.push(`refusal has ${leaks(reasons)}`);
    return { now: `${accepted} accepted, ${refused.size} refused (${reasons.slice(0, 120)}); the socket ${closedByServer ? `was closed by the server: ${closedByServer}` : 'stayed open'}; RSS with them open ${rssWith.toFixed(0)} MB`, ms, problems };
  });

  await probe(A, '6b', `${importCount} concurrent importDataset of a ${(big.bytes / 1e6).toFixed(0)} MB JSONL inside the import root (big-1..${importCount})`, 'six: peak RSS 1.3 GB', async () => {
    const count = await countDatasets(A);
    const replies = await Promise.all(Array.from({ length: importCount }, (_, i) => gql(A, IMPORT, { input: { name: `big-${i + 1}`, path: 'big.jsonl' } })));
    const written = (await countDatasets(A)) - count;
    const problems = replies.flatMap((r) => replyProblems(r, ['big.jsonl']));
    const accepted = replies.filter((r) => r.json?.data?.importDataset).length;
    const times = replies.map((r) => (r.ms / 1000).toFixed(1)).join(', ');
    const refusal = replies.find((r) => !r.json?.data?.importDataset);
    const paths = replies.map((r) => r.json?.data?.importDataset?.path).filter(Boolean);
    const ms = Math.max(...replies.map((r) => r.ms));
    await sleep(2000);
    return {
      now: `${accepted} imported (one at a time: answered after ${times} s), path shown as "${paths[0] ?? ''}"${refusal ? `; refused: ${summary(refusal)}` : ''}; datasets written: ${written}; RSS 2 s after the last answer ${rssMb(A.pid).toFixed(0)} MB`,
      ms,
      problems,
    };
  });

  await probe(A, '6c', 'search with queryLanguage: "xx-invalid"', 'queryLanguage not validated', async () => {
    const reply = await gql(A, 'query($input: SearchInput!) { search(input: $input) { queryLanguage } }', { input: { collection: 'c', text: 'hello', queryLanguage: 'xx-invalid' } });
    const problems = replyProblems(reply);
    if (codeOf(reply) !== 'BAD_USER_INPUT') problems.push('not BAD_USER_INPUT');
    return { now: summary(reply), ms: reply.ms, problems };
  });

  // ---- probe 4: one client filling the queue (after the others: it spends this minute's mutation budget) ----
  // From its own loopback address: the open gateway budgets per client address, and this client has
  // sent nothing before (the probes above came from 127.0.0.1).
  const floodFrom = (await gql(A, '{ viewer { name } }', undefined, undefined, '127.0.0.2')).status === 200 ? '127.0.0.2' : undefined;
  await probe(A, '4d', `one client (${floodFrom ?? '127.0.0.1'}) queues ${floodCount} small runs in at most 30 s (open mode)`, 'one client queued 265 runs in 30 s', async () => {
    const before = await countRuns(A);
    const started = performance.now();
    let accepted = 0;
    const refusals = new Map<string, number>();
    let firstRefusal: { at: number; text: string } | undefined;
    let attempts = 0;
    for (; attempts < floodCount && performance.now() - started < 30_000; attempts++) {
      const reply = await gql(A, START, { input: { ...SMALL_RUN, seed: 1000 + attempts } }, undefined, floodFrom);
      if (reply.json?.data?.startTrainingRun) accepted++;
      else {
        const code = codeOf(reply) ?? `HTTP ${reply.status}`;
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
        firstRefusal ??= { at: attempts + 1, text: summary(reply) };
      }
    }
    const ms = performance.now() - started;
    const written = (await countRuns(A)) - before;
    const problems: string[] = [];
    if (written !== accepted) problems.push(`${written} runs written for ${accepted} accepted`);
    if (accepted >= floodCount) problems.push('every run was accepted');
    return {
      now: `${accepted} of ${attempts} accepted, runs written ${written}; refused: ${[...refusals].map(([c, n]) => `${n} × ${c}`).join(', ')}; first refusal at #${firstRefusal?.at}: ${firstRefusal?.text.slice(0, 120)}`,
      ms,
      problems,
    };
  });

  // ---- probe 6: refused setups ----
  await probe(A, '6d', 'node dist/api/main.js with NATS_URL set and no QDRANT_URL', 'started; search answered INTERNAL_SERVER_ERROR', async () => {
    const home = path.join(root, 'home-distributed');
    fs.mkdirSync(home);
    const result = await exitOf(launch('api/main.js', { ...baseEnv, NATS_URL: 'nats://127.0.0.1:4222', XLING_HOME: home, PORT: '0' }));
    const problems: string[] = [];
    if (result.code === 0 || result.code === null) problems.push(`exit code ${result.code}`);
    if (/\bat [\w.<>$]+ \(/.test(result.output)) problems.push('a stack trace');
    const touched = fs.readdirSync(home).length;
    if (touched) problems.push(`XLING_HOME has ${touched} entries`);
    return { now: `exit ${result.code}: "${result.output.slice(0, 120)}…"; XLING_HOME entries: ${touched}`, ms: result.ms, problems };
  });

  await probe(A, '6e', 'a second dist/deploy/embedded.js on the same XLING_HOME', "opened PGlite and requeued the first's jobs", async () => {
    const port = await freePort();
    const result = await exitOf(launch('deploy/embedded.js', { ...A.env, PORT: String(port) }));
    const problems: string[] = [];
    if (result.code === 0 || result.code === null) problems.push(`exit code ${result.code}`);
    const answer = await gql(A, '{ runs { totalCount } }');
    if (!answer.json?.data) problems.push(`the first platform answers ${summary(answer)}`);
    if (/queued again/.test(A.app.output())) problems.push('the first platform\'s jobs were requeued');
    const pidFile = fs.readFileSync(path.join(homeA, 'xling.pid'), 'utf8').trim();
    if (pidFile !== String(A.pid)) problems.push(`xling.pid holds ${pidFile}`);
    return {
      now: `exit ${result.code}: "${result.output.replace(root, '<tmp>').slice(0, 120)}"; the first answers (${answer.json?.data?.runs?.totalCount} runs) and still holds the home`,
      ms: result.ms,
      problems,
    };
  });

  const stopStarted = performance.now();
  const codeA = await stop(A.app);
  console.log(`A stopped (exit ${codeA}) in ${fmtMs(performance.now() - stopStarted)}`);

  // ======== B: the same entry point with AUTH=on and a trainer key ========
  const keyEnv = { ...baseEnv, XLING_HOME: homeB, AUTH: 'on' };
  const trainer = await createKeyWithCli(keyEnv, 't', 'trainer');
  const B = await startPlatform('B (npm start, AUTH=on)', keyEnv);

  await probe(B, '4a', 'AUTH=on: anonymous query and mutation over HTTP, anonymous graphql-ws', 'no auth: every call ran anonymously', async () => {
    const query = await gql(B, '{ datasets { name } }');
    const mutation = await gql(B, 'mutation { createExperiment(input: { name: "anon" }) { id } }');
    const socket = new WebSocket(B.wsUrl, 'graphql-transport-ws');
    const wsClose = await new Promise<string>((resolve) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('close', (code, reason) => resolve(`${code} ${String(reason)}`));
      socket.on('error', () => {});
    });
    const anon = (await experimentNames(B, trainer)).filter((n) => n === 'anon').length;
    const problems = [...replyProblems(query), ...replyProblems(mutation)];
    for (const r of [query, mutation]) if (r.status !== 401 || codeOf(r) !== 'UNAUTHENTICATED') problems.push(`anonymous call answered ${summary(r)}`);
    if (anon) problems.push('an anonymous experiment was written');
    if (!wsClose.startsWith('4403')) problems.push(`anonymous WebSocket: ${wsClose}`);
    return { now: `query ${summary(query)}; mutation ${mutation.status} ${codeOf(mutation)}, experiments written: ${anon}; graphql-ws closed ${wsClose}`, ms: query.ms + mutation.ms, problems };
  });

  await probe(B, '4e', 'trainer key: registerModel', 'no roles: anyone could register a model', async () => {
    const reply = await gql(B, REGISTER, { input: { name: 'm', path: 'tiny-bert' } }, trainer);
    const problems = replyProblems(reply, ['tiny-bert']);
    if (codeOf(reply) !== 'FORBIDDEN') problems.push('not FORBIDDEN');
    return { now: summary(reply), ms: reply.ms, problems };
  });

  await probe(B, '4f', 'trainer key: queue small runs until refused (at most 20 tries)', 'one client queued 265 runs in 30 s', async () => {
    const started = performance.now();
    let accepted = 0;
    let refusal: Reply | undefined;
    for (let i = 0; i < 20 && !refusal; i++) {
      const reply = await gql(B, START, { input: { ...SMALL_RUN, seed: i } }, trainer);
      if (reply.json?.data?.startTrainingRun) accepted++;
      else refusal = reply;
    }
    const ms = performance.now() - started;
    const written = await countRuns(B, trainer);
    const problems = refusal ? replyProblems(refusal) : ['never refused'];
    if (written !== accepted) problems.push(`${written} runs written for ${accepted} accepted`);
    return { now: `${accepted} queued, then ${refusal ? summary(refusal) : '-'}; runs written: ${written}`, ms, problems };
  });

  const codeB = await stop(B.app);
  console.log(`B stopped (exit ${codeB})`);
} catch (error) {
  console.error(`the benchmark failed: ${(error as Error).stack ?? String(error)}`);
  exitCode = 2;
} finally {
  await Promise.all(children.map((child) => stop(child)));
  if (!keep) fs.rmSync(root, { recursive: true, force: true });
}

// ---- report -----------------------------------------------------------------------------------

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const order = (id: string) => id.replace(/^(\d)([a-z]?)$/, (_m, n: string, l: string) => `${n}${l || ' '}`);
rows.sort((a, b) => order(a.id).localeCompare(order(b.id)));
console.log(`\nran in ${((performance.now() - benchStarted) / 1000).toFixed(0)} s; RSS of the gateway process in MB (10^6 bytes): before → after (change; peak change = peak, sampled every 50 ms)\n`);
console.log('| # | probe | before the fix | now | time | RSS | /healthz after (slowest during) | safe |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.id} | ${cell(r.probe)} | ${cell(r.before)} | ${cell(r.now)} | ${fmtMs(r.ms)} | ${fmtRss(r.rss)} | ${r.health} (${fmtMs(r.healthDuring)}) | ${r.problems.length ? `**no**: ${cell(r.problems.join('; '))}` : 'yes'} |`);
}
const unsafe = rows.filter((r) => r.problems.length > 0);
console.log(unsafe.length ? `\n${unsafe.length} probe(s) did not fail safely: ${unsafe.map((r) => r.id).join(', ')}` : `\nall ${rows.length} probes failed safely`);
process.exit(exitCode || (unsafe.length ? 1 : 0));
