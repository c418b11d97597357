import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checksumMatches, migrationChecksum, migrationDirectoryName, readMigrations } from './migrations-dir.js';

test('checksum is the sha256 hex of the script', () => {
  const script = 'CREATE TABLE "A" ("id" TEXT);\n';
  assert.equal(migrationChecksum(script), createHash('sha256').update(Buffer.from(script, 'utf8')).digest('hex'));
});

test('a line-ending conversion is not an edit, any other change is', () => {
  const lf = '-- a\nSELECT 1;\n';
  const recorded = migrationChecksum(lf);
  assert.ok(checksumMatches(lf, recorded));
  assert.ok(checksumMatches(lf.replace(/\n/g, '\r\n'), recorded));
  assert.ok(checksumMatches(lf, migrationChecksum(lf.replace(/\n/g, '\r\n'))));
  assert.ok(!checksumMatches(`${lf}SELECT 2;\n`, recorded));
});

test('directory names are a UTC timestamp and the slugified name', () => {
  const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.equal(migrationDirectoryName('init', now), '20260102030405_init');
  assert.equal(migrationDirectoryName('Add run index!', now), '20260102030405_add_run_index');
  assert.equal(migrationDirectoryName('addRunIndex', now), '20260102030405_add_run_index');
  assert.throws(() => migrationDirectoryName('--', now), /no usable characters/);
});

test('readMigrations returns directories in order and ignores files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xling-migrations-'));
  try {
    for (const name of ['20260102000000_b', '20260101000000_a']) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'migration.sql'), `-- ${name}\n`);
    }
    await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    const migrations = await readMigrations(dir);
    assert.deepEqual(migrations.map((m) => m.name), ['20260101000000_a', '20260102000000_b']);
    assert.equal(migrations[0]?.checksum, migrationChecksum('-- 20260101000000_a\n'));
    await mkdir(join(dir, '20260103000000_empty'));
    await assert.rejects(readMigrations(dir), /20260103000000_empty has no readable migration.sql/);
    assert.deepEqual(await readMigrations(join(dir, 'missing')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
