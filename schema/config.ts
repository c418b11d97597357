// Settings that the gateway and the worker must agree on: where the tracking database is, which
// bus carries jobs and events, and the delivery policy of jobs. Each app's config.ts passes its
// environment here; nothing in this file reads process.env itself.

import path from 'node:path';
import { DEFAULT_TRAINING_QUEUE_DEPTH } from './admission.js';

export type DatabaseSettings =
  | { kind: 'postgres'; url: string }
  | { kind: 'embedded'; dataDir: string };

export type BusSettings =
  | { kind: 'nats'; servers: string; prefix: string }
  | { kind: 'memory' };

export interface PlatformSettings {
  /** Root of local state: embedded database, checkpoints. */
  home: string;
  /** Folder with the datasets (see schema/datasets.ts). */
  dataDir: string;
  /** Folder with Hugging Face model folders and tokenizers (xlmr-tokenizer/, ...). registerModel reads only inside it. */
  modelsDir: string;
  /** Folders importDataset may read (IMPORT_ROOTS); relative import paths resolve against the first. */
  importRoots: string[];
  /** Largest file importDataset reads (IMPORT_MAX_BYTES). */
  importMaxBytes: number;
  database: DatabaseSettings;
  bus: BusSettings;
  /** Deliveries of one job before it is failed with its last error. */
  maxDeliveries: number;
  /** A job whose worker sends no heartbeat for this long is redelivered to another worker. */
  ackWaitMs: number;
  /** Worker heartbeat period; well below ackWaitMs so one missed beat does not redeliver. */
  heartbeatMs: number;
  /** How long the gateway waits for a worker's answer to a search, embed or store request. */
  servingTimeoutMs: number;
  /** Admitted trainings not yet started, per worker class (schema/admission.ts): the rest wait in the database, ordered by priority and share. */
  trainingQueueDepth: number;
  /** Qdrant server for the vector collections; unset: the embedded store under home/vectors. */
  qdrantUrl?: string;
  qdrantApiKey?: string;
  /** Embedded store: collections (and language-filtered subsets) smaller than this are searched exactly. */
  hnswThreshold?: number;
  /** Embedded store: HNSW candidate list of a top-10 search (k / 10 times as many for a top-k); higher is slower with better recall. */
  hnswExpansionSearch?: number;
  /**
   * Default data / models folders that do not exist (a machine with only the clone): `npm start`
   * fills them from the demo bundle (deploy/demo.ts). Never set for folders named by DATA_DIR or
   * MODELS_DIR.
   */
  missingDefaults?: { data: boolean; models: boolean };
}

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(name: string, value: string, expected: string) {
    super(`invalid setting ${name}=${JSON.stringify(value)}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

export function readInt(env: Env, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(name, raw, `an integer >= ${min}`);
  return value;
}

/** Folders separated by the OS path delimiter, resolved against cwd; undefined when unset or empty. */
export function readPathList(env: Env, name: string, cwd: string): string[] | undefined {
  const entries = (env[name] ?? '').split(path.delimiter).filter((entry) => entry.trim() !== '');
  return entries.length > 0 ? entries.map((entry) => path.resolve(cwd, entry)) : undefined;
}

export const DEFAULT_IMPORT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * A default folder is ./<name> when it exists, else ../shared/<name> beside the checkout when that
 * exists, else ./<name>: on a machine with only the clone, where `npm run data -- pull` and
 * pullDataset put files, so the platform reads what they pulled.
 */
export function defaultSharedDir(name: string, cwd: string, exists: (p: string) => boolean): string {
  const local = path.resolve(cwd, name);
  const shared = path.resolve(cwd, '..', 'shared', name);
  return exists(local) || !exists(shared) ? local : shared;
}

export function loadPlatformSettings(env: Env, cwd: string, exists: (p: string) => boolean): PlatformSettings {
  const home = path.resolve(cwd, env.XLING_HOME || '.xling');
  const ackWaitMs = readInt(env, 'JOB_ACK_WAIT_MS', 30_000, 100);
  const heartbeatMs = readInt(env, 'JOB_HEARTBEAT_MS', Math.max(50, Math.floor(ackWaitMs / 3)), 10);
  if (heartbeatMs >= ackWaitMs) {
    throw new ConfigError('JOB_HEARTBEAT_MS', String(heartbeatMs), `less than JOB_ACK_WAIT_MS (${ackWaitMs})`);
  }
  const dataDir = env.DATA_DIR ? path.resolve(cwd, env.DATA_DIR) : defaultSharedDir('data', cwd, exists);
  const modelsDir = env.MODELS_DIR ? path.resolve(cwd, env.MODELS_DIR) : defaultSharedDir('models', cwd, exists);
  const missingDefaults = { data: !env.DATA_DIR && !exists(dataDir), models: !env.MODELS_DIR && !exists(modelsDir) };
  return {
    home,
    dataDir,
    modelsDir,
    ...(missingDefaults.data || missingDefaults.models ? { missingDefaults } : {}),
    importRoots: readPathList(env, 'IMPORT_ROOTS', cwd) ?? [dataDir],
    importMaxBytes: readInt(env, 'IMPORT_MAX_BYTES', DEFAULT_IMPORT_MAX_BYTES),
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'embedded', dataDir: path.join(home, 'pgdata') },
    bus: env.NATS_URL
      ? { kind: 'nats', servers: env.NATS_URL, prefix: env.NATS_PREFIX || 'xling' }
      : { kind: 'memory' },
    maxDeliveries: readInt(env, 'JOB_MAX_DELIVERIES', 3),
    ackWaitMs,
    heartbeatMs,
    servingTimeoutMs: readInt(env, 'SERVING_TIMEOUT_MS', 10_000, 10),
    trainingQueueDepth: readInt(env, 'TRAINING_QUEUE_DEPTH', DEFAULT_TRAINING_QUEUE_DEPTH),
    ...(env.QDRANT_URL ? { qdrantUrl: env.QDRANT_URL } : {}),
    ...(env.QDRANT_API_KEY ? { qdrantApiKey: env.QDRANT_API_KEY } : {}),
    ...(env.VECTOR_HNSW_THRESHOLD ? { hnswThreshold: readInt(env, 'VECTOR_HNSW_THRESHOLD', 20_000) } : {}),
    ...(env.VECTOR_EXPANSION_SEARCH ? { hnswExpansionSearch: readInt(env, 'VECTOR_EXPANSION_SEARCH', 192) } : {}),
  };
}
