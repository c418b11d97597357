// A gateway on an in-memory PGlite database, the memory bus and a small data folder, for tests.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../prisma/db.js';
import type { Bus } from '../schema/bus.js';
import type { PlatformSettings } from '../schema/config.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import { buildApp, type App } from './app.js';
import { loadSecurity, type ApiConfig } from './config.js';
import type { Env } from '../schema/config.js';

export interface TestGateway {
  app: App;
  db: Database;
  bus: Bus;
  url: string;
  wsUrl: string;
  dataDir: string;
  logs: string[];
  /** POSTs a GraphQL operation (with `key` as bearer when given); returns the parsed response body. */
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, key?: string): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

const squad = (ids: string[]) =>
  JSON.stringify({ version: 1, data: [{ title: 't', paragraphs: [{ context: 'c', qas: ids.map((id) => ({ id, question: 'q', answers: [] })) }] }] });

/** mlqa-r with en, de, es (3, 3, 2 questions), pawsx with en, de and bucc2018 (BITEXT) with en, zh. */
export async function writeTestData(dataDir: string): Promise<void> {
  await mkdir(path.join(dataDir, 'mlqa-r'), { recursive: true });
  await writeFile(path.join(dataDir, 'mlqa-r', 'en.json'), squad(['a', 'b', 'c']));
  await writeFile(path.join(dataDir, 'mlqa-r', 'de.json'), squad(['a', 'b', 'c']));
  await writeFile(path.join(dataDir, 'mlqa-r', 'es.json'), squad(['a', 'b']));
  await mkdir(path.join(dataDir, 'pawsx'), { recursive: true });
  await writeFile(path.join(dataDir, 'pawsx', 'dev-en.tsv'), 'a\tb\t1\n');
  await writeFile(path.join(dataDir, 'pawsx', 'dev-de.tsv'), 'a\tb\t1\n');
  await mkdir(path.join(dataDir, 'bucc2018'), { recursive: true });
  await writeFile(path.join(dataDir, 'bucc2018', 'zh-en.dev.en'), 'en-1\tx\n');
  await writeFile(path.join(dataDir, 'bucc2018', 'zh-en.dev.zh'), 'zh-1\ty\n');
}

/**
 * Port 0 on loopback; the outbox effectively idle unless minAgeMs is given. `securityEnv` holds
 * security settings as the environment would (AUTH=on for keys); without it the gateway runs open,
 * as embedded on loopback does.
 */
export function testConfig(dataDir: string, outboxMinAgeMs = 60_000, securityEnv: Env = {}): ApiConfig {
  const settings: ApiConfig['settings'] = {
    home: dataDir,
    dataDir,
    // Unused: tests hand buildApp an open database and bus.
    database: { kind: 'embedded', dataDir: path.join(dataDir, 'pgdata') },
    bus: { kind: 'memory' },
    maxDeliveries: 3,
    ackWaitMs: 5_000,
    servingTimeoutMs: 10_000,
    trainingQueueDepth: 2,
    heartbeatMs: 1_000,
    modelsDir: path.join(dataDir, 'models'),
    importRoots: [dataDir],
    importMaxBytes: 256 * 1024 * 1024,
  };
  return {
    port: 0,
    host: '127.0.0.1',
    outbox: { intervalMs: 60_000, minAgeMs: outboxMinAgeMs },
    settings,
    security: loadSecurity(securityEnv, '127.0.0.1', settings),
    cwd: dataDir,
  };
}

export async function startTestGateway(
  options: { bus?: Bus; outboxMinAgeMs?: number; securityEnv?: Env; settings?: (dataDir: string) => Partial<PlatformSettings> } = {},
): Promise<TestGateway> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'xling-api-'));
  await writeTestData(dataDir);
  const db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
  const bus = options.bus ?? createMemoryBus({ maxDeliveries: 3, ackWaitMs: 5_000 });
  const base = testConfig(dataDir, options.outboxMinAgeMs, options.securityEnv);
  const config = { ...base, settings: { ...base.settings, ...options.settings?.(dataDir) } };
  const logs: string[] = [];
  const app = buildApp({ config, db, bus, log: (line) => logs.push(line) });
  const { url } = await app.start();
  return {
    app, db, bus, url, dataDir, logs,
    wsUrl: url.replace(/^http/, 'ws'),
    async request<T>(query: string, variables?: Record<string, unknown>, key?: string) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<T>;
    },
    async close() {
      await app.stop();
      await bus.close();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
