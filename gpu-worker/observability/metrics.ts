// A worker's Prometheus metrics (prom-client) on its own registry, served on METRICS_PORT by
// serveMetrics. Labels take bounded values only: job kinds and outcomes, retrieval modes.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface WorkerMetrics {
  readonly registry: Registry;
  jobStarted(jobId: string): void;
  /** outcome: the job's end (SUCCEEDED, FAILED, CANCELLED), or "unsettled" when the delivery ended without one (the job runs again, or the delivery was a duplicate). Counted once per delivery. */
  jobEnded(jobId: string, kind: string, outcome: string): void;
  heartbeat(): void;
  /** One logged training point: pairs per second over the window, seconds per optimizer step. */
  training(pairsPerSecond: number, stepSeconds: number): void;
  /** One search request answered, by retrieval mode of each of its queries. */
  search(modes: readonly string[], seconds: number): void;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const JOB_SECONDS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 48 * 3600];

/** The TensorFlow.js engine's memory, once a job or query has loaded it (never loaded for a scrape). */
async function tensorMemory(): Promise<{ numTensors: number; numBytes: number } | undefined> {
  const loaded = (globalThis as { _tfengine?: { memory(): { numTensors: number; numBytes: number } } })._tfengine;
  return loaded ? loaded.memory() : undefined;
}

/**
 * `memory`: the TensorFlow.js engine's tensors and bytes (default: this process's engine, once
 * loaded); `processMetrics`: Node's process metrics (CPU, heap, event-loop lag), default on.
 */

export function createWorkerMetrics(memory: () => Promise<{ numTensors: number; numBytes: number } | undefined> = tensorMemory, options: { processMetrics?: boolean } = {}): WorkerMetrics {
  const registry = new Registry();
  // Off in one process with the gateway, whose registry reports the process once.
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const started = new Map<string, number>();
  const jobs = new Counter({ name: 'xling_worker_jobs_total', help: 'Jobs this worker ended, by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers: [registry] });
  const durations = new Histogram({
    name: 'xling_worker_job_duration_seconds',
    help: 'Time from delivery to end of a job on this worker, by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    buckets: JOB_SECONDS,
    registers: [registry],
  });
  const running = new Gauge({ name: 'xling_worker_jobs_running', help: 'Jobs this worker is working on', registers: [registry] });
  const heartbeat = new Gauge({ name: 'xling_worker_last_heartbeat_timestamp_seconds', help: 'When this worker last recorded that it is alive (Unix time)', registers: [registry] });
  const pairs = new Gauge({ name: 'xling_training_pairs_per_second', help: 'Training throughput over the last logged window (question-passage pairs per second)', registers: [registry] });
  const steps = new Histogram({ name: 'xling_training_step_duration_seconds', help: 'Seconds per optimizer step, averaged over each logged window (a window with a validation includes it)', buckets: SECONDS, registers: [registry] });
  const searches = new Histogram({ name: 'xling_worker_search_duration_seconds', help: 'Search requests answered by this worker, by retrieval mode', labelNames: ['mode'] as const, buckets: SECONDS, registers: [registry] });
  const tensor = (name: string, help: string, pick: (m: { numTensors: number; numBytes: number }) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const m = await memory();
        if (m) this.set(pick(m));
      },
    });
  tensor('xling_worker_tensors', 'Tensors alive in the TensorFlow.js engine', (m) => m.numTensors);
  tensor('xling_worker_tensor_bytes', 'Bytes held by TensorFlow.js tensors (backend memory)', (m) => m.numBytes);

  return {
    registry,
    jobStarted(jobId) {
      started.set(jobId, performance.now());
      running.set(started.size);
    },
    jobEnded(jobId, kind, outcome) {
      // Once per delivery: the first end reported wins (the runner's settled status, then the
      // consumer's "redelivered" for deliveries that did not settle).
      const t0 = started.get(jobId);
      if (t0 === undefined) return;
      started.delete(jobId);
      running.set(started.size);
      jobs.inc({ kind, outcome });
      durations.observe({ kind, outcome }, (performance.now() - t0) / 1000);
      // A finished training's throughput is not the current one.
      if (kind === 'TRAIN') pairs.set(0);
    },
    heartbeat: () => heartbeat.set(Date.now() / 1000),
    training(pairsPerSecond, stepSeconds) {
      if (Number.isFinite(pairsPerSecond)) pairs.set(pairsPerSecond);
      if (Number.isFinite(stepSeconds) && stepSeconds > 0) steps.observe(stepSeconds);
    },
    search(modes, seconds) {
      for (const mode of modes) searches.observe({ mode }, seconds);
    },
  };
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** GET /metrics in Prometheus text format; nothing else is served. */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
