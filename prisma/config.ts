import { resolve } from 'node:path';
import type { DatabaseTarget } from './db.js';

/**
 * DATABASE_URL selects PostgreSQL; without it the embedded PGlite database lives in
 * `${XLING_HOME:-./.xling}/pgdata` (relative paths resolve against the working directory).
 */
export function loadDatabaseConfig(env: Readonly<Record<string, string | undefined>> = process.env): DatabaseTarget {
  const url = env.DATABASE_URL?.trim();
  if (url) return { kind: 'postgres', url };
  const home = env.XLING_HOME?.trim() || './.xling';
  return { kind: 'embedded', dataDir: resolve(home, 'pgdata') };
}

/** Server on which tests create (and drop) their throw-away databases. */
export function loadTestDatabaseAdminUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.TEST_DATABASE_ADMIN_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
}
