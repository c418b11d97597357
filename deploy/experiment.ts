// `npm run experiment -- --preset <smoke|quick|paper-cpu> [--seeds 1,2,3] [--steps N] [--max-parallel N] [--concurrency 2] [--url <GraphQL URL> --key <API key>]`
// `npm run experiment -- --experiment <id>` follows one started earlier (after an interruption, say).
//
// Starts an experiment through the platform's GraphQL API (startExperiment), shows a progress bar
// per training run and one for all jobs, and prints where the report was written. Without --url
// it runs the platform in this process on embedded defaults (as `npm start` does), with a worker
// that takes --concurrency jobs at a time (default 2). Exits 1 if the experiment fails.

import path from 'node:path';
import { loadApiConfig } from '../api/config.js';
import { loadWorkerConfig } from '../gpu-worker/config.js';
import { EXPERIMENT_PRESETS } from '../schema/experiment.js';
import { startPlatform, type RunningPlatform } from './platform.js';
import { jobsLine, runLines, type RunLine } from './progress-bars.js';

interface Options {
  preset?: string;
  /** Follow an experiment started earlier instead of starting one. */
  experiment?: string;
  seeds?: number[];
  steps?: number;
  /** Runs training at once across workers (the preset runs as a sweep); absent: all. */
  maxParallel?: number;
  url?: string;
  /** API key (trainer or admin) for a gateway that requires keys; the in-process platform runs open. */
  key?: string;
  /** Jobs the in-process worker runs at once. */
  concurrency: number;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const preset = value('preset');
  const experiment = value('experiment');
  if (experiment === undefined && (!preset || !(EXPERIMENT_PRESETS as readonly string[]).includes(preset))) {
    throw new Error(`--preset must be one of ${EXPERIMENT_PRESETS.join(', ')} (got ${preset ?? 'nothing'}), or --experiment <id> to follow one`);
  }
  const seeds = value('seeds')?.split(',').map(Number);
  if (seeds?.some((seed) => !Number.isInteger(seed))) throw new Error(`--seeds must be integers separated by commas (got ${value('seeds')})`);
  const steps = value('steps');
  if (steps !== undefined && !(Number.isInteger(Number(steps)) && Number(steps) > 0)) throw new Error(`--steps must be a positive integer (got ${steps})`);
  const maxParallel = value('max-parallel');
  if (maxParallel !== undefined && !(Number.isInteger(Number(maxParallel)) && Number(maxParallel) > 0)) throw new Error(`--max-parallel must be a positive integer (got ${maxParallel})`);
  const url = value('url');
  const key = value('key');
  const concurrency = Number(value('concurrency') ?? 2);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer (got ${value('concurrency')})`);
  return { ...(preset ? { preset } : {}), ...(experiment ? { experiment } : {}), concurrency, ...(seeds ? { seeds } : {}), ...(steps ? { steps: Number(steps) } : {}), ...(maxParallel ? { maxParallel: Number(maxParallel) } : {}), ...(url ? { url } : {}), ...(key ? { key } : {}) };
}

/** Operations against one gateway, with its key when it requires one. */
type Gql = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

const gatewayClient = (url: string, key: string | undefined): Gql => async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
  const headers = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data!;
};

const START = `mutation($input: StartExperimentInput!) { startExperiment(input: $input) { id name } }`;
const STATUS = `query($id: ID!) { experiment(id: $id) {
  status reportPath
  progress { jobs queued running succeeded failed runs runsFinished }
  runs { id status strategy alpha seed evaluationSuites hyperParameters { steps } }
} }`;
const STEP = `query($id: ID!, $since: Int) { run(id: $id) { metrics(names: ["loss"], sinceStep: $since) { step } } }`;

interface RunRow {
  id: string;
  status: string;
  strategy: string;
  alpha: number;
  seed: number;
  evaluationSuites: string[];
  hyperParameters: { steps: number };
}
interface Status {
  experiment: {
    status: string;
    reportPath: string | null;
    progress: { jobs: number; queued: number; running: number; succeeded: number; failed: number; runs: number; runsFinished: number };
    runs: RunRow[];
  };
}

const MAX_POLL_FAILURES = 30;

const label = (run: RunRow) => `${run.evaluationSuites[0] ?? ''} ${run.strategy === 'HYBRID' ? `HYBRID(${run.alpha})` : run.strategy} seed ${run.seed}`;

async function follow(gql: Gql, id: string): Promise<Status['experiment']> {
  const tty = process.stdout.isTTY === true;
  const steps = new Map<string, number>();
  const started = Date.now();
  let drawn = 0;
  let lastPrint = 0;
  let failures = 0;
  for (;;) {
    let experiment: Status['experiment'];
    try {
      ({ experiment } = await gql<Status>(STATUS, { id }));
      failures = 0;
      if (!experiment) throw new Error(`no experiment with id ${id}`);
    } catch (error) {
      // A gateway restart or a network blip must not abandon an hour-long experiment.
      if (String(error).includes('no experiment with id') || ++failures >= MAX_POLL_FAILURES) throw error;
      await new Promise((r) => setTimeout(r, 1000 * failures));
      continue;
    }
    for (const run of experiment.runs.filter((r) => r.status === 'RUNNING')) {
      const since = steps.get(run.id);
      const { run: found } = await gql<{ run: { metrics: Array<{ step: number }> } }>(STEP, { id: run.id, ...(since !== undefined ? { since: since + 1 } : {}) });
      const last = found.metrics.at(-1)?.step;
      if (last !== undefined) steps.set(run.id, last);
    }
    const runs: RunLine[] = [...experiment.runs]
      .sort((a, b) => label(a).localeCompare(label(b)))
      .map((run) => ({ label: label(run), status: run.status, step: steps.get(run.id) ?? 0, steps: run.hyperParameters.steps }));
    const lines = [...runLines(runs), jobsLine(experiment.progress, (Date.now() - started) / 1000)];
    const done = experiment.status !== 'RUNNING';
    if (tty) {
      // Redraw in place: move up over the previous block and clear each line.
      if (drawn > 0) process.stdout.write(`\x1b[${drawn}F`);
      process.stdout.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
      drawn = lines.length;
    } else if (done || Date.now() - lastPrint > 15_000) {
      console.log(lines.at(-1));
      lastPrint = Date.now();
    }
    if (done) return experiment;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const workerConfig = loadWorkerConfig();
  // Two jobs at a time by default: training runs are single-threaded on the CPU backends.
  workerConfig.concurrency = options.concurrency;
  let platform: RunningPlatform | undefined;
  const logs: string[] = [];
  const url = options.url ?? (platform = await startPlatform(loadApiConfig(), workerConfig, (line) => logs.push(line))).url;
  const gql = gatewayClient(url, options.key);
  // Ctrl-C stops the in-process platform cleanly (jobs in flight are redelivered on the next start).
  process.once('SIGINT', () => void (platform?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));
  try {
    let id = options.experiment;
    if (id === undefined) {
      const input = { preset: options.preset!.toUpperCase().replace('-', '_'), ...(options.seeds ? { seeds: options.seeds } : {}), ...(options.steps ? { steps: options.steps } : {}), ...(options.maxParallel ? { maxParallel: options.maxParallel } : {}) };
      const { startExperiment } = await gql<{ startExperiment: { id: string; name: string } }>(START, { input });
      id = startExperiment.id;
      console.log(`experiment ${startExperiment.name} (${id}) started on ${url}`);
    } else {
      console.log(`following experiment ${id} on ${url}`);
    }
    const result = await follow(gql, id);
    if (result.status !== 'SUCCEEDED') {
      console.error(`experiment ${result.status}; last log lines:\n${logs.slice(-20).join('\n')}`);
      return 1;
    }
    // The API shows reportPath relative to the workers' REPORTS_DIR.
    console.log(platform ? `report: ${path.join(workerConfig.reportsDir!, result.reportPath ?? '', 'report.md')}` : `report: <REPORTS_DIR of the workers>/${result.reportPath}/report.md`);
    return 0;
  } finally {
    await platform?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
