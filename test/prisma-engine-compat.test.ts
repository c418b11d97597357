// Our migrator and Prisma's own schema engine (the wasm build of what `prisma migrate deploy` runs) must
// read each other's _prisma_migrations records: neither re-applies nor reports an edited or failed migration.
// Note: the engine's applyMigrations leaves a 10 s advisory-lock timer behind, so this file exits late.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrationsWith } from '../prisma/migrate.js';
import { defaultMigrationsDir, defaultSchemaPath, readMigrations } from '../prisma/migrations-dir.js';
import { loadMigrationList, NO_FILTER, withSchemaEngine } from '../prisma/schema-engine.js';
import { pgliteSession } from '../prisma/sql-session.js';

const schema = await readFile(defaultSchemaPath(), 'utf8');
const migrationsList = await loadMigrationList(defaultMigrationsDir());
const names = (await readMigrations(defaultMigrationsDir())).map((m) => m.name);

const COLUMNS = `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
  FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`;
const ROWS = `SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count, finished_at IS NOT NULL AS finished
  FROM _prisma_migrations ORDER BY migration_name`;

test('Prisma sees migrations we applied as applied and unedited', async () => {
  const db = await PGlite.create();
  try {
    assert.deepEqual(await applyMigrationsWith(pgliteSession(db)), names);
    const diagnosis = await withSchemaEngine(
      schema,
      (engine) => engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: NO_FILTER }),
      { main: db },
    );
    assert.deepEqual(diagnosis, { editedMigrationNames: [], failedMigrationNames: [], hasMigrationsTable: true, history: null });
  } finally {
    await db.close();
  }
});

test('we see migrations Prisma applied as applied, in a table of the same shape and content', async () => {
  const ours = await PGlite.create();
  const prismas = await PGlite.create();
  try {
    await applyMigrationsWith(pgliteSession(ours));
    const result = await withSchemaEngine(schema, (engine) => engine.applyMigrations({ migrationsList, filters: NO_FILTER }), {
      main: prismas,
    });
    assert.deepEqual(result.appliedMigrationNames, names);
    assert.deepEqual(await applyMigrationsWith(pgliteSession(prismas)), []);
    assert.deepEqual((await ours.query(COLUMNS)).rows, (await prismas.query(COLUMNS)).rows);
    assert.deepEqual((await ours.query(ROWS)).rows, (await prismas.query(ROWS)).rows);
  } finally {
    await ours.close();
    await prismas.close();
  }
});
