// The migrator against real PostgreSQL (a random database per test) and PGlite: what it applies, what it
// records in _prisma_migrations, and what it refuses.

import assert from 'node:assert/strict';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase } from '../prisma/db.js';
import { applyMigrations, applyMigrationsWith, MigrationStateError } from '../prisma/migrate.js';
import { defaultMigrationsDir, LOCKFILE_CONTENT, LOCKFILE_NAME, migrationChecksum, readMigrations } from '../prisma/migrations-dir.js';
import { pgliteSession } from '../prisma/sql-session.js';
import { createTestDatabase, type TestDatabase } from '../prisma/testing.js';

const migrations = await readMigrations(defaultMigrationsDir());
const names = migrations.map((m) => m.name);

interface Row {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
  applied_steps_count: number;
}
const ROWS = 'SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name';

async function pgQuery<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function assertRecorded(rows: Row[], expected: { name: string; checksum: string }[]): void {
  assert.deepEqual(
    rows.map((r) => [r.migration_name, r.checksum]),
    expected.map((m) => [m.name, m.checksum]),
  );
  for (const row of rows) {
    assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(row.finished_at instanceof Date && row.finished_at >= row.started_at);
    assert.equal(row.rolled_back_at, null);
    assert.equal(row.logs, null);
    assert.equal(row.applied_steps_count, 1);
  }
}

/** A writable copy of the repository's migrations, for tests that edit or add migrations. */
async function copyMigrations(): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'xling-migrate-test-'));
  const dir = join(root, 'migrations');
  await cp(defaultMigrationsDir(), dir, { recursive: true });
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

test('the repository has migrations and the lockfile prisma migrate dev writes', async () => {
  assert.ok(names.length >= 1);
  assert.match(names[0]!, /^\d{14}_init$/);
  assert.equal(await readFile(join(defaultMigrationsDir(), LOCKFILE_NAME), 'utf8'), LOCKFILE_CONTENT);
});

describe('PostgreSQL', () => {
  const databases: TestDatabase[] = [];
  after(async () => {
    await Promise.all(databases.map((db) => db.drop()));
  });
  const fresh = async () => {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  };

  test('applies all migrations once, records them like Prisma, then applies nothing', async () => {
    const db = await fresh();
    const lines: string[] = [];
    assert.deepEqual(await applyMigrations({ kind: 'postgres', url: db.url }, { log: (l) => lines.push(l) }), names);
    assert.ok(lines.some((l) => l.includes(`Applying migration \`${names[0]}\``)));
    assert.deepEqual(await applyMigrations({ kind: 'postgres', url: db.url }), []);
    assertRecorded(await pgQuery<Row>(db.url, ROWS), migrations);
    const tables = await pgQuery<{ tablename: string }>(db.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    for (const table of ['Experiment', 'Run', 'MetricPoint', 'Job', '_prisma_migrations']) {
      assert.ok(tables.some((t) => t.tablename === table), `table ${table} exists`);
    }
  });

  test('concurrent starters apply each migration exactly once', async () => {
    const db = await fresh();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => applyMigrations({ kind: 'postgres', url: db.url })),
    );
    assert.deepEqual(results.flat().sort(), [...names].sort());
    assert.equal((await pgQuery<Row>(db.url, ROWS)).length, names.length);
  });

  test('refuses to run when an applied migration was edited', async () => {
    const db = await fresh();
    const copy = await copyMigrations();
    try {
      await applyMigrations({ kind: 'postgres', url: db.url }, { migrationsDir: copy.dir });
      await appendFile(join(copy.dir, names[0]!, 'migration.sql'), '\n-- edited\n');
      await assert.rejects(applyMigrations({ kind: 'postgres', url: db.url }, { migrationsDir: copy.dir }), (error) => {
        assert.ok(error instanceof MigrationStateError);
        assert.deepEqual(error.migrationNames, [names[0]]);
        assert.match(error.message, /modified after they were applied \(checksum mismatch\)/);
        return true;
      });
    } finally {
      await copy.remove();
    }
  });

  test('a failing migration is rolled back entirely and retried on the next run', async () => {
    const db = await fresh();
    const copy = await copyMigrations();
    try {
      const name = '29990101000000_broken';
      const file = join(copy.dir, name, 'migration.sql');
      await mkdir(join(copy.dir, name));
      await writeFile(file, 'CREATE TABLE "Partial" ("id" TEXT);\nSELECT * FROM "NoSuchTable";\n');
      const target = { kind: 'postgres', url: db.url } as const;
      await assert.rejects(applyMigrations(target, { migrationsDir: copy.dir }), /29990101000000_broken failed and was rolled back: .*NoSuchTable/);
      const partial = await pgQuery(db.url, "SELECT 1 FROM pg_tables WHERE tablename = 'Partial'");
      assert.equal(partial.length, 0, 'no statement of the failed migration persisted');
      const failed = (await pgQuery<Row>(db.url, ROWS)).filter((r) => r.migration_name === name);
      assert.equal(failed.length, 1);
      assert.ok(failed[0]!.rolled_back_at instanceof Date && failed[0]!.finished_at === null);
      assert.match(failed[0]!.logs ?? '', /NoSuchTable/);

      await writeFile(file, 'CREATE TABLE "Partial" ("id" TEXT);\n');
      assert.deepEqual(await applyMigrations(target, { migrationsDir: copy.dir }), [name]);
      const rows = await pgQuery<Row>(db.url, `SELECT * FROM _prisma_migrations WHERE migration_name = '${name}' AND rolled_back_at IS NULL`);
      assert.equal(rows[0]?.checksum, migrationChecksum('CREATE TABLE "Partial" ("id" TEXT);\n'));
    } finally {
      await copy.remove();
    }
  });

  test('a migration with its own BEGIN/COMMIT (as Prisma writes for enum changes) is applied and recorded', async () => {
    const db = await fresh();
    const copy = await copyMigrations();
    try {
      const name = '29990101000000_own_transaction';
      const script = 'BEGIN;\nCREATE TYPE "Mood" AS ENUM (\'A\', \'B\');\nCOMMIT;\n\nALTER TABLE "Worker" ADD COLUMN "mood" "Mood";\n';
      await mkdir(join(copy.dir, name));
      await writeFile(join(copy.dir, name, 'migration.sql'), script);
      assert.deepEqual(await applyMigrations({ kind: 'postgres', url: db.url }, { migrationsDir: copy.dir }), [...names, name]);
      assertRecorded(await pgQuery<Row>(db.url, ROWS), [...migrations, { name, checksum: migrationChecksum(script) }]);
    } finally {
      await copy.remove();
    }
  });

  test('refuses to run over a migration Prisma left failed', async () => {
    const db = await fresh();
    const target = { kind: 'postgres', url: db.url } as const;
    await applyMigrations(target);
    await pgQuery(db.url, "UPDATE _prisma_migrations SET finished_at = NULL, logs = 'boom'");
    await assert.rejects(applyMigrations(target), (error) => {
      assert.ok(error instanceof MigrationStateError);
      assert.match(error.message, /failed earlier in this database/);
      return true;
    });
  });
});

describe('PGlite', () => {
  test('in memory: openDatabase({ migrate: true }) applies everything, a second run nothing', async () => {
    const db = await PGlite.create();
    try {
      assert.deepEqual(await applyMigrationsWith(pgliteSession(db)), names);
      assert.deepEqual(await applyMigrationsWith(pgliteSession(db)), []);
      assertRecorded((await db.query<Row>(ROWS)).rows, migrations);
    } finally {
      await db.close();
    }
    const opened = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
    try {
      assert.equal(await opened.prisma.experiment.count(), 0);
    } finally {
      await opened.close();
    }
  });

  test('data directory: created on demand, migrated once across reopenings, edits refused', async () => {
    const root = await mkdtemp(join(tmpdir(), 'xling-pglite-test-'));
    const copy = await copyMigrations();
    try {
      const target = { kind: 'embedded', dataDir: join(root, 'nested', 'pgdata') } as const;
      assert.deepEqual(await applyMigrations(target, { migrationsDir: copy.dir }), names);
      assert.deepEqual(await applyMigrations(target, { migrationsDir: copy.dir }), []);
      const reopened = await openDatabase(target, { migrate: true, migrationsDir: copy.dir });
      try {
        assertRecorded(await reopened.prisma.$queryRawUnsafe<Row[]>(ROWS), migrations);
      } finally {
        await reopened.close();
      }
      await appendFile(join(copy.dir, names[0]!, 'migration.sql'), '\n-- edited\n');
      await assert.rejects(applyMigrations(target, { migrationsDir: copy.dir }), MigrationStateError);
      await assert.rejects(openDatabase(target, { migrate: true, migrationsDir: copy.dir }), MigrationStateError);
    } finally {
      await copy.remove();
      await rm(root, { recursive: true, force: true });
    }
  });
});
