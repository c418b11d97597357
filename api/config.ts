// The gateway's settings. The only place in api/ that reads the environment.

import { existsSync } from 'node:fs';
import { type Env, type PlatformSettings, ConfigError, loadPlatformSettings, readInt } from '../schema/config.js';

export interface OutboxSettings {
  /** How often queued jobs are checked for republishing. */
  intervalMs: number;
  /** An unpublished job is published by the outbox once it is this old. */
  minAgeMs: number;
}

export interface ApiConfig {
  port: number;
  host: string;
  outbox: OutboxSettings;
  settings: PlatformSettings;
  /** Relative paths given to importDataset are resolved against it. */
  cwd: string;
}

export function loadApiConfig(env: Env = process.env, cwd = process.cwd()): ApiConfig {
  const port = readInt(env, 'PORT', 4000, 0);
  if (port > 65535) throw new ConfigError('PORT', String(port), 'a TCP port (0..65535)');
  return {
    port,
    host: env.HOST || '0.0.0.0',
    outbox: {
      intervalMs: readInt(env, 'OUTBOX_INTERVAL_MS', 5_000, 10),
      minAgeMs: readInt(env, 'OUTBOX_MIN_AGE_MS', 5_000, 0),
    },
    settings: loadPlatformSettings(env, cwd, existsSync),
    cwd,
  };
}
