// The worker's settings: the platform settings shared with the gateway, plus its own.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadPlatformSettings, readInt, type Env, type PlatformSettings } from '../schema/config.js';
import { isBackendName, type BackendName } from './encoding/backend.js';
import { parseWorkerClasses, WORKER_CLASSES, type WorkerClass } from '../schema/capabilities.js';

export interface WorkerConfig {
  settings: PlatformSettings;
  /** Identifies this worker in Job.workerId and the Worker table. */
  workerId: string;
  /** Jobs run at the same time; 0: this worker takes no jobs and only serves queries. */
  concurrency: number;
  checkpointDir: string;
  /** Forces a TensorFlow.js backend instead of the automatic choice. */
  tfBackend?: BackendName;
  /** First retry delay after a retryable failure; doubles with every further attempt. */
  retryBackoffMs: number;
  /** Where REPORT jobs write experiment reports (<reportsDir>/<experiment id>/). */
  reportsDir?: string;
  /**
   * local: this worker opens the store the settings name (Qdrant, or the embedded store under
   * XLING_HOME/vectors, which one worker at a time may open) and serves queries; remote: another
   * worker owns the store, this one reaches it over the bus and serves no queries.
   */
  vectorStore: 'local' | 'remote';
  /**
   * Answer queries (search, embed, store calls). Off for workers that should spend their cores on
   * jobs: a training step holds the worker's event loop, so queries on a training worker wait
   * for it (bench/results.md, "Search under load").
   */
  serveQueries: boolean;
  /** Checkpoint encoders kept loaded for queries. */
  servingEncoders: number;
  /** Longest a query waits for others of its collection before the encoder call (0: one event-loop turn). */
  servingBatchWaitMs: number;
  /** DATA_MIRROR: where PULL jobs download from (a base URL or a local folder); absent: each file's GitHub source. */
  dataMirror?: string;
  /** METRICS_PORT: serve Prometheus metrics at http://<metricsHost>:<port>/metrics (0: any free port); absent: not served. */
  metricsPort?: number;
  /** METRICS_HOST: the address the metrics port binds (default 127.0.0.1; 0.0.0.0 for a scraper on another host). */
  metricsHost?: string;
  /** WORKER_CLASSES: the job classes it takes, preferred in this order; absent: from its backend (GPU: gpu then cpu; else cpu). */
  workerClasses?: WorkerClass[];
  /** WORKER_INTERACTIVE_SLOTS: jobs of the interactive class it runs beside its WORKER_CONCURRENCY slots (default 1; 0: none). */
  interactiveSlots?: number;
  /** WORKER_DEVICE_MEMORY_BYTES: the GPU memory it advertises; absent: nvidia-smi's on a tensorflow-gpu backend. */
  deviceMemoryBytes?: number;
}

export function loadWorkerConfig(env: Env = process.env, cwd = process.cwd()): WorkerConfig {
  const settings = loadPlatformSettings(env, cwd, fs.existsSync);
  const tfBackend = env.TF_BACKEND || undefined;
  if (tfBackend !== undefined && !isBackendName(tfBackend)) {
    throw new ConfigError('TF_BACKEND', tfBackend, 'one of tensorflow-gpu, tensorflow, wasm, cpu, native-cpu');
  }
  return {
    settings,
    workerId: env.WORKER_ID || `${os.hostname()}-${process.pid}`,
    concurrency: readInt(env, 'WORKER_CONCURRENCY', 1, 0),
    checkpointDir: env.CHECKPOINT_DIR ? path.resolve(cwd, env.CHECKPOINT_DIR) : path.join(settings.home, 'checkpoints'),
    ...(tfBackend ? { tfBackend } : {}),
    retryBackoffMs: readInt(env, 'JOB_RETRY_BACKOFF_MS', 1_000, 0),
    reportsDir: path.resolve(cwd, env.REPORTS_DIR || 'reports'),
    vectorStore: readVectorStore(env),
    serveQueries: readServeQueries(env),
    servingEncoders: readInt(env, 'SERVING_ENCODERS', 2),
    servingBatchWaitMs: readInt(env, 'SERVING_BATCH_WAIT_MS', 0, 0),
    ...(readDataMirror(env, cwd) ? { dataMirror: readDataMirror(env, cwd)! } : {}),
    ...(env.METRICS_PORT ? { metricsPort: readPort(env, 'METRICS_PORT') } : {}),
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    ...(env.WORKER_CLASSES ? { workerClasses: readWorkerClasses(env.WORKER_CLASSES) } : {}),
    interactiveSlots: readInt(env, 'WORKER_INTERACTIVE_SLOTS', 1, 0),
    ...(env.WORKER_DEVICE_MEMORY_BYTES ? { deviceMemoryBytes: readInt(env, 'WORKER_DEVICE_MEMORY_BYTES', 0) } : {}),
  };
}

function readWorkerClasses(raw: string): WorkerClass[] {
  const parsed = parseWorkerClasses(raw);
  if (typeof parsed === 'string') throw new ConfigError('WORKER_CLASSES', raw, `a comma-separated list of ${WORKER_CLASSES.join(', ')} (${parsed})`);
  return parsed;
}

function readPort(env: Env, name: string): number {
  const port = readInt(env, name, 0, 0);
  if (port > 65535) throw new ConfigError(name, env[name]!, 'a port number in [0, 65535]');
  return port;
}

function readServeQueries(env: Env): boolean {
  const value = env.SERVE_QUERIES || 'on';
  if (value !== 'on' && value !== 'off') throw new ConfigError('SERVE_QUERIES', value, 'on or off');
  if (value === 'off' && env.WORKER_CONCURRENCY === '0') throw new ConfigError('SERVE_QUERIES', value, 'on when WORKER_CONCURRENCY=0 (the worker would do nothing)');
  if (value === 'on' && env.VECTOR_STORE === 'remote') return false;
  return value === 'on';
}

function readVectorStore(env: Env): WorkerConfig['vectorStore'] {
  const value = env.VECTOR_STORE || 'local';
  if (value !== 'local' && value !== 'remote') throw new ConfigError('VECTOR_STORE', value, 'local or remote');
  if (value === 'remote' && env.QDRANT_URL) throw new ConfigError('VECTOR_STORE', value, 'local when QDRANT_URL is set (every worker reaches Qdrant itself)');
  return value;
}

/** Exponential backoff, capped at a minute. */
export const retryDelay = (config: Pick<WorkerConfig, 'retryBackoffMs'>) => (attempt: number) =>
  Math.min(60_000, config.retryBackoffMs * 2 ** Math.max(0, attempt - 1));

export interface DataCommandConfig {
  /** Where the platform reads datasets (list, verify). */
  dataDir: string;
  /** Where pulled files go: DATA_DIR, else ./data (which the platform then reads). */
  pullDir: string;
  /** DATA_MIRROR: a base URL or a local folder laid out as the data folder; null: each file's GitHub source. */
  mirror: string | null;
}

export function loadDataCommandConfig(env: Env = process.env, cwd = process.cwd()): DataCommandConfig {
  const { dataDir } = loadPlatformSettings(env, cwd, fs.existsSync);
  return {
    dataDir,
    pullDir: env.DATA_DIR ? dataDir : path.resolve(cwd, 'data'),
    mirror: readDataMirror(env, cwd),
  };
}

/** DATA_MIRROR: a base URL as given, a folder resolved against cwd; null when unset. */
function readDataMirror(env: Env, cwd: string): string | null {
  const mirror = env.DATA_MIRROR?.trim() || null;
  return mirror && !/^https?:\/\//.test(mirror) ? path.resolve(cwd, mirror) : mirror;
}
