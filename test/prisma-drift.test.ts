// Drift: the migrations must produce exactly schema.prisma, as judged by Prisma's own schema engine (wasm),
// which replays them on a shadow database and diffs the result against the schema.

import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { createMigration } from '../prisma/diff.js';
import { applyMigrationsWith } from '../prisma/migrate.js';
import { defaultMigrationsDir, defaultSchemaPath, LOCKFILE_CONTENT, LOCKFILE_NAME } from '../prisma/migrations-dir.js';
import { diffMigrationsToSchema } from '../prisma/schema-engine.js';
import { pgliteSession } from '../prisma/sql-session.js';

const schema = await readFile(defaultSchemaPath(), 'utf8');

/** schema.prisma with one new column and one new model, as a developer would edit it. */
function editedSchema(): string {
  const edited = schema.replace(/(model Experiment \{\n)/, '$1  notes       String?\n');
  assert.notEqual(edited, schema, 'the Experiment model was found');
  return `${edited}\nmodel Tag {\n  id   String @id\n  name String @unique\n}\n`;
}

test('the migrations in prisma/migrations yield exactly schema.prisma', async () => {
  const { script } = await diffMigrationsToSchema(defaultMigrationsDir(), schema);
  assert.equal(script, null, `schema.prisma changed without a migration; run \`node dist/prisma/diff.js <name>\`:\n${script}`);
});

test('a schema change without a migration is detected', async () => {
  const { script } = await diffMigrationsToSchema(defaultMigrationsDir(), editedSchema());
  assert.ok(script !== null);
  assert.match(script, /ALTER TABLE "Experiment" ADD COLUMN\s+"notes" TEXT;/);
  assert.match(script, /CREATE TABLE "Tag"/);
});

test('diff.ts writes the missing migration, after which the drift is gone and it applies', async () => {
  const root = await mkdtemp(join(tmpdir(), 'xling-diff-test-'));
  try {
    const migrationsDir = join(root, 'migrations');
    const schemaPath = join(root, 'schema.prisma');
    await cp(defaultMigrationsDir(), migrationsDir, { recursive: true });
    await writeFile(schemaPath, editedSchema());
    const before = await readdir(migrationsDir);

    const now = new Date(Date.UTC(2999, 0, 1, 12, 0, 0));
    const name = await createMigration({ name: 'experiment notes', migrationsDir, schemaPath, now });
    assert.equal(name, '29990101120000_experiment_notes');
    assert.deepEqual((await readdir(migrationsDir)).sort(), [...before, name].sort());
    const written = await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8');
    assert.match(written, /ADD COLUMN\s+"notes" TEXT/);
    assert.equal(await readFile(join(migrationsDir, LOCKFILE_NAME), 'utf8'), LOCKFILE_CONTENT);

    assert.equal((await diffMigrationsToSchema(migrationsDir, editedSchema())).script, null);
    assert.equal(await createMigration({ name: 'again', migrationsDir, schemaPath }), null);

    const db = await PGlite.create();
    try {
      const applied = await applyMigrationsWith(pgliteSession(db), { migrationsDir });
      assert.equal(applied.at(-1), name);
      await db.query(`INSERT INTO "Tag" (id, name) VALUES ('t', 'tag')`);
      await db.query(`INSERT INTO "Experiment" (id, name, notes) VALUES ('e', 'exp', 'n')`);
    } finally {
      await db.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
