// The only place in prisma/ that reads the environment.

import { existsSync } from 'node:fs';
import { loadPlatformSettings, type Env } from '../schema/config.js';
import type { DatabaseTarget } from './db.js';

/** The database the apps use: DATABASE_URL, else embedded PGlite under XLING_HOME (schema/config.ts). */
export function loadDatabaseConfig(env: Env = process.env, cwd = process.cwd()): DatabaseTarget {
  return loadPlatformSettings(env, cwd, existsSync).database;
}

/** Server on which tests create (and drop) their throw-away databases. */
export function loadTestDatabaseAdminUrl(env: Env = process.env): string {
  return env.TEST_DATABASE_ADMIN_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
}
