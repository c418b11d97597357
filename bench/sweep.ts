// A 24-trial sweep (alpha x seed) through the platform with W worker processes against 1: the
// wall time from startSweep to the sweep SUCCEEDED (every trial trained and evaluated), on this
// machine's NATS JetStream and Postgres, a gateway and W workers as separate processes.
//   npm run build && node dist/bench/sweep.js [--workers 1,4] [--steps 200] [--threads 1]
// Each worker trains one job at a time (WORKER_CONCURRENCY=1, plus its interactive slot for the
// evaluations) with --threads native kernel threads; maxParallel is W.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../prisma/testing.js';
import { createKeyWithCli, dropJobStream, freePort, gql, startApp, waitFor, type AppProcess } from '../test/support/processes.js';
import { dataDir, randomName, repoRoot } from '../test/support/platform.js';
import { argument } from './cli.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const workerCounts = (argument('workers') ?? '1,4').split(',').map(Number);
const steps = Number(argument('steps') ?? 200);
const threads = argument('threads') ?? '1';

async function sweepSeconds(workers: number): Promise<{ seconds: number; trainSeconds: number; perWorker: Record<string, number> }> {
  const database = await createTestDatabase();
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-bench-sweep-'));
  const prefix = randomName('benchsweep');
  const env = {
    DATABASE_URL: database.url, NATS_URL, NATS_PREFIX: prefix, DATA_DIR: dataDir, XLING_HOME: home,
    MODELS_DIR: path.resolve(repoRoot, '..', 'shared', 'models'), QDRANT_URL: 'http://127.0.0.1:9',
    OUTBOX_INTERVAL_MS: '500', XLING_NATIVE_THREADS: threads,
  };
  const processes: AppProcess[] = [];
  try {
    const key = await createKeyWithCli(env, 'bench', 'admin');
    const port = await freePort();
    processes.push(startApp('api/main.js', { ...env, PORT: String(port) }));
    const url = `http://127.0.0.1:${port}/graphql`;
    await waitFor('gateway', async () => (await fetch(url.replace('/graphql', '/healthz')).catch(() => undefined))?.ok);
    for (let i = 0; i < workers; i++) processes.push(startApp('gpu-worker/main.js', { ...env, WORKER_ID: `w${i}`, WORKER_CONCURRENCY: '1' }));
    await waitFor('workers', async () => (await gql(url, '{ workers { id } }', {}, key)).data?.workers.length === workers || undefined);

    const t0 = performance.now();
    const started = await gql(url, 'mutation($input: StartSweepInput!) { startSweep(input: $input) { id } }', {
      input: {
        name: 'bench', maxParallel: workers, bootstrap: 100, queriesPerLanguage: 50, metric: { suite: 'XQUAD_R' },
        base: { strategy: 'HYBRID', trainDatasets: ['mlqa-r'], languages: ['en', 'de', 'es'], steps, batchSize: 32, model: { dimension: 64 } },
        grid: { alpha: [0, 0.2, 0.4, 0.6, 0.8, 1], seed: [1, 2, 3, 4] },
      },
    }, key);
    if (started.errors) throw new Error(JSON.stringify(started.errors));
    const id = started.data.startSweep.id as string;
    const sweep = await waitFor('the sweep', async () => {
      const { data } = await gql(url, 'query($id: ID!) { experiment(id: $id) { status sweep { counts { done failed } trials { runId } } } }', { id }, key);
      return data.experiment.status !== 'RUNNING' && data.experiment;
    }, 3_600_000);
    const seconds = (performance.now() - t0) / 1000;
    if (sweep.sweep.counts.done !== 24) throw new Error(`sweep ended ${sweep.status} with ${sweep.sweep.counts.done} trials done`);
    const perWorker: Record<string, number> = {};
    let trainSeconds = 0;
    for (const { runId } of sweep.sweep.trials) {
      const { data } = await gql(url, 'query($id: ID!) { run(id: $id) { startedAt finishedAt jobs { kind workerId } } }', { id: runId }, key);
      trainSeconds += (Date.parse(data.run.finishedAt) - Date.parse(data.run.startedAt)) / 1000;
      const worker = data.run.jobs.find((j: { kind: string }) => j.kind === 'TRAIN').workerId;
      perWorker[worker] = (perWorker[worker] ?? 0) + 1;
    }
    return { seconds, trainSeconds, perWorker };
  } finally {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await dropJobStream(NATS_URL, prefix);
    await database.drop();
    await fs.rm(home, { recursive: true, force: true });
  }
}

const results: Array<{ workers: number; seconds: number }> = [];
for (const workers of workerCounts) {
  const { seconds, trainSeconds, perWorker } = await sweepSeconds(workers);
  results.push({ workers, seconds });
  console.log(`${workers} worker(s): 24 trials (${steps} steps) trained and evaluated in ${seconds.toFixed(1)} s; training ${trainSeconds.toFixed(0)} s summed over trials; trials per worker ${JSON.stringify(perWorker)}`);
}
const one = results.find((r) => r.workers === 1);
if (one) for (const r of results.filter((x) => x.workers > 1)) console.log(`speed-up with ${r.workers} workers: ${(one.seconds / r.seconds).toFixed(2)}x (${os.cpus().length} cores)`);
