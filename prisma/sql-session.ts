import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * One database connection, as the migrator needs it: a single session so that advisory locks and
 * BEGIN/COMMIT issued through it apply to the same backend.
 */
export interface SqlSession {
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a multi-statement script through the simple query protocol, as Prisma runs migration.sql. */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

export async function connectPostgresSession(url: string): Promise<SqlSession> {
  const client = new pg.Client({ connectionString: url, application_name: 'xling-migrate' });
  await client.connect();
  // Without a listener an idle-connection error (server restart) would crash the process.
  client.on('error', () => undefined);
  return {
    query: async <Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
      (await client.query(sql, params)).rows as Row[],
    exec: async (script) => {
      await client.query(script);
    },
    close: () => client.end(),
  };
}

/** Wraps an open PGlite without owning it: closing the session leaves the instance to its owner. */
export function pgliteSession(db: PGlite): SqlSession {
  return {
    query: async <Row extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
      (await db.query<Row>(sql, params)).rows,
    exec: async (script) => {
      await db.exec(script);
    },
    close: async () => undefined,
  };
}
