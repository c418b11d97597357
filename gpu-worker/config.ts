// The worker's settings: the platform settings shared with the gateway, plus its own.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadPlatformSettings, readInt, type Env, type PlatformSettings } from '../schema/config.js';
import { isBackendName, type BackendName } from './encoding/backend.js';

export interface WorkerConfig {
  settings: PlatformSettings;
  /** Identifies this worker in Job.workerId and the Worker table. */
  workerId: string;
  /** Jobs run at the same time. */
  concurrency: number;
  checkpointDir: string;
  /** Forces a TensorFlow.js backend instead of the automatic choice. */
  tfBackend?: BackendName;
  /** First retry delay after a retryable failure; doubles with every further attempt. */
  retryBackoffMs: number;
  /** Where REPORT jobs write experiment reports (<reportsDir>/<experiment id>/). */
  reportsDir?: string;
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
    concurrency: readInt(env, 'WORKER_CONCURRENCY', 1),
    checkpointDir: env.CHECKPOINT_DIR ? path.resolve(cwd, env.CHECKPOINT_DIR) : path.join(settings.home, 'checkpoints'),
    ...(tfBackend ? { tfBackend } : {}),
    retryBackoffMs: readInt(env, 'JOB_RETRY_BACKOFF_MS', 1_000, 0),
    reportsDir: path.resolve(cwd, env.REPORTS_DIR || 'reports'),
  };
}

/** Exponential backoff, capped at a minute. */
export const retryDelay = (config: Pick<WorkerConfig, 'retryBackoffMs'>) => (attempt: number) =>
  Math.min(60_000, config.retryBackoffMs * 2 ** Math.max(0, attempt - 1));
