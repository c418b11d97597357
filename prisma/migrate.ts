import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { loadDatabaseConfig } from './config.js';
import type { DatabaseTarget } from './db.js';
import { checksumMatches, defaultMigrationsDir, readMigrations, type MigrationFile } from './migrations-dir.js';
import { connectPostgresSession, pgliteSession, type SqlSession } from './sql-session.js';

export interface MigrateOptions {
  log?: (line: string) => void;
  /** Defaults to the source tree's prisma/migrations. */
  migrationsDir?: string;
}

/** The key `prisma migrate` locks, so this migrator and the Prisma CLI also exclude each other. */
const PRISMA_ADVISORY_LOCK = 72707369;

/** The DDL the Prisma schema engine uses for PostgreSQL. */
const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationStateError extends Error {
  constructor(message: string, readonly migrationNames: string[]) {
    super(message);
    this.name = 'MigrationStateError';
  }
}

interface MigrationRow extends Record<string, unknown> {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Applies pending migrations of the migrations directory to the target; returns the names applied. */
export async function applyMigrations(target: DatabaseTarget, options: MigrateOptions = {}): Promise<string[]> {
  switch (target.kind) {
    case 'postgres': {
      const session = await connectPostgresSession(target.url);
      try {
        return await applyMigrationsWith(session, options);
      } finally {
        await session.close();
      }
    }
    case 'embedded': {
      if (target.dataDir !== null) await mkdir(target.dataDir, { recursive: true });
      const db = await PGlite.create(target.dataDir ?? undefined);
      try {
        return await applyMigrationsWith(pgliteSession(db), options);
      } finally {
        await db.close();
      }
    }
  }
}

/** Same as applyMigrations, on a session the caller owns (an embedded database must be migrated in place). */
export async function applyMigrationsWith(session: SqlSession, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const migrations = await readMigrations(options.migrationsDir ?? defaultMigrationsDir());
  // Session-level lock: concurrent starters queue here, and then find the migrations already applied.
  await session.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK})`);
  try {
    await session.exec(MIGRATIONS_TABLE_DDL);
    const pending = await pendingMigrations(session, migrations, log);
    for (const migration of pending) {
      log(`Applying migration \`${migration.name}\``);
      await applyOne(session, migration);
    }
    log(pending.length === 0 ? 'No pending migrations to apply.' : `Applied ${pending.length} migration(s).`);
    return pending.map((migration) => migration.name);
  } finally {
    // A broken connection must not mask the original error; closing it releases the lock anyway.
    await session.query(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK})`).catch(() => undefined);
  }
}

async function pendingMigrations(
  session: SqlSession,
  migrations: MigrationFile[],
  log: (line: string) => void,
): Promise<MigrationFile[]> {
  const rows = await session.query<MigrationRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at ASC',
  );
  // Rolled-back rows are history only, exactly as Prisma treats them.
  const live = rows.filter((row) => row.rolled_back_at === null);
  const failed = live.filter((row) => row.finished_at === null).map((row) => row.migration_name);
  if (failed.length > 0) {
    throw new MigrationStateError(
      `Migration(s) ${failed.join(', ')} failed earlier in this database (finished_at is NULL in _prisma_migrations). ` +
        'Repair the database by hand, then set rolled_back_at on that row (or run `prisma migrate resolve --rolled-back <name>`).',
      failed,
    );
  }
  const applied = new Map(live.map((row) => [row.migration_name, row.checksum]));
  const edited = migrations.filter((m) => applied.has(m.name) && !checksumMatches(m.script, applied.get(m.name)!));
  if (edited.length > 0) {
    const names = edited.map((m) => m.name);
    throw new MigrationStateError(
      `Migration(s) ${names.join(', ')} were modified after they were applied (checksum mismatch). ` +
        'Applied migrations must not change: restore the original migration.sql and put the change in a new migration.',
      names,
    );
  }
  const known = new Set(migrations.map((m) => m.name));
  for (const name of applied.keys()) {
    if (!known.has(name)) log(`Warning: migration \`${name}\` is applied to the database but missing from the migrations directory.`);
  }
  return migrations.filter((m) => !applied.has(m.name));
}

async function applyOne(session: SqlSession, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  const recordStart = () =>
    session.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, clock_timestamp(), 0)`,
      [id, migration.checksum, migration.name],
    );
  const recordFinish = () =>
    session.query('UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1', [id]);
  if (managesItsOwnTransaction(migration.script)) {
    // Its BEGIN/COMMIT cannot nest in ours: applied the way Prisma does, leaving a failed row on error.
    await recordStart();
    try {
      await session.exec(migration.script);
    } catch (error) {
      await session.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, describe(error)]).catch(() => undefined);
      throw new Error(`Migration ${migration.name} failed: ${describe(error)}`, { cause: error });
    }
    await recordFinish();
    return;
  }
  await session.exec('BEGIN');
  try {
    await recordStart();
    await session.exec(migration.script);
    await recordFinish();
    await session.exec('COMMIT');
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => undefined);
    // Nothing persisted; a rolled-back row keeps the error for the audit trail and Prisma ignores it on retry.
    // Best effort: if the connection is gone, the migration error is what matters.
    const recordRolledBack = session.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, rolled_back_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, clock_timestamp(), clock_timestamp(), 0)`,
      [id, migration.checksum, migration.name, describe(error)],
    );
    await recordRolledBack.catch(() => undefined);
    throw new Error(`Migration ${migration.name} failed and was rolled back: ${describe(error)}`, { cause: error });
  }
}

function managesItsOwnTransaction(script: string): boolean {
  const withoutComments = script.replace(/--[^\n]*/g, '');
  return /^\s*(BEGIN|START\s+TRANSACTION|COMMIT)\s*;/im.test(withoutComments);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<void> {
  const target = loadDatabaseConfig();
  const where = target.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite at ${target.dataDir ?? 'memory'}`;
  console.log(`Migrating ${where}`);
  await applyMigrations(target, { log: (line) => console.log(line) });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
