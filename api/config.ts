// The gateway's settings. The only place in api/ that reads the environment.

import { DEFAULT_GPU_REQUIRED_PARAMETERS } from '../schema/capabilities.js';
import { existsSync } from 'node:fs';
import { type Env, type PlatformSettings, ConfigError, loadPlatformSettings, readInt } from '../schema/config.js';
import { DEFAULT_TRAINING_CAPS, type TrainingCaps } from '../schema/training-validation.js';
import { DEFAULT_OPERATION_LIMITS } from './security/limits.js';
import type { SecuritySettings } from './security/settings.js';

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
  security: SecuritySettings;
  /** The working directory relative settings were resolved against. */
  cwd: string;
  /** GPU_REQUIRED_PARAMETERS: from this many parameters a PRETRAINED run waits for a GPU worker unless it allows CPU. */
  gpuRequiredParameters?: number;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

export function loadApiConfig(env: Env = process.env, cwd = process.cwd()): ApiConfig {
  const port = readInt(env, 'PORT', 4000, 0);
  if (port > 65535) throw new ConfigError('PORT', String(port), 'a TCP port (0..65535)');
  // Loopback by default: a gateway reachable from the network is a decision, not an accident.
  const host = env.HOST || '127.0.0.1';
  const settings = loadPlatformSettings(env, cwd, existsSync);
  return {
    port,
    host,
    outbox: {
      intervalMs: readInt(env, 'OUTBOX_INTERVAL_MS', 5_000, 10),
      minAgeMs: readInt(env, 'OUTBOX_MIN_AGE_MS', 5_000, 0),
    },
    settings,
    security: loadSecurity(env, host, settings),
    cwd,
    gpuRequiredParameters: readInt(env, 'GPU_REQUIRED_PARAMETERS', DEFAULT_GPU_REQUIRED_PARAMETERS),
  };
}

export function loadSecurity(env: Env, host: string, settings: PlatformSettings): SecuritySettings {
  const embedded = settings.database.kind === 'embedded' && settings.bus.kind === 'memory';
  const auth = resolveAuth(env.AUTH, host, embedded);
  const development = env.NODE_ENV === 'development';
  const introspection = readBool(env, 'INTROSPECTION', env.NODE_ENV !== 'production');
  const limits = DEFAULT_OPERATION_LIMITS;
  return {
    ...auth,
    development,
    introspection,
    maxBodyBytes: readInt(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024),
    operations: {
      maxDepth: readInt(env, 'QUERY_MAX_DEPTH', limits.maxDepth),
      maxAliases: readInt(env, 'QUERY_MAX_ALIASES', limits.maxAliases),
      maxTokens: readInt(env, 'QUERY_MAX_TOKENS', limits.maxTokens),
      maxDirectives: readInt(env, 'QUERY_MAX_DIRECTIVES', limits.maxDirectives),
      maxComplexity: readInt(env, 'QUERY_MAX_COMPLEXITY', limits.maxComplexity),
      assumedListSize: limits.assumedListSize,
    },
    rate: {
      mutationsPerMinute: readInt(env, 'RATE_MUTATIONS_PER_MINUTE', 120),
      searchesPerMinute: readInt(env, 'RATE_SEARCHES_PER_MINUTE', 6_000),
      activeRunsPerKey: {
        trainer: readInt(env, 'MAX_ACTIVE_RUNS_TRAINER', 10),
        admin: readInt(env, 'MAX_ACTIVE_RUNS_ADMIN', 200),
      },
    },
    trainingCaps: {
      trainer: readCaps(env, 'TRAINER', DEFAULT_TRAINING_CAPS.trainer),
      admin: readCaps(env, 'ADMIN', DEFAULT_TRAINING_CAPS.admin),
    },
    webSocket: {
      allowedOrigins: (env.ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
      maxSubscriptionsPerConnection: readInt(env, 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 20),
      maxSubscriptionsPerKey: readInt(env, 'WS_MAX_SUBSCRIPTIONS_PER_KEY', 100),
      idleTimeoutMs: readInt(env, 'WS_IDLE_TIMEOUT_MS', 300_000, 1000),
      maxMessageBytes: readInt(env, 'WS_MAX_MESSAGE_BYTES', 64 * 1024, 1024),
    },
  };
}

function resolveAuth(raw: string | undefined, host: string, embedded: boolean): Pick<SecuritySettings, 'auth' | 'authReason' | 'authWarning'> {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === 'on' || value === 'keys') return { auth: 'keys', authReason: 'AUTH=on' };
  if (value === 'off') {
    const exposed = !isLoopback(host) || !embedded;
    return {
      auth: 'open',
      authReason: 'AUTH=off',
      ...(exposed ? { authWarning: `AUTH=off: every caller that reaches ${host} may do anything, with no key (${embedded ? 'non-loopback HOST' : 'distributed mode'})` } : {}),
    };
  }
  if (value !== '') throw new ConfigError('AUTH', raw!, 'on or off (unset: open only for embedded on loopback)');
  if (embedded && isLoopback(host)) {
    return { auth: 'open', authReason: `embedded on loopback (${host}): open, no API key needed; set AUTH=on to require keys` };
  }
  return { auth: 'keys', authReason: embedded ? `HOST ${host} is not loopback: API keys required` : 'distributed mode: API keys required' };
}

/** MAX_PARAMETERS_TRAINER, MAX_STEPS_TRAINER, MAX_BATCH_SIZE_TRAINER, MAX_CHECKPOINT_BYTES_TRAINER; the same with _ADMIN. */
function readCaps(env: Env, role: string, fallback: TrainingCaps): TrainingCaps {
  return {
    maxParameters: readInt(env, `MAX_PARAMETERS_${role}`, fallback.maxParameters),
    maxSteps: readInt(env, `MAX_STEPS_${role}`, fallback.maxSteps),
    maxBatchSize: readInt(env, `MAX_BATCH_SIZE_${role}`, fallback.maxBatchSize, 2),
    maxCheckpointBytes: readInt(env, `MAX_CHECKPOINT_BYTES_${role}`, fallback.maxCheckpointBytes),
  };
}

function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, raw, 'true or false');
}

