import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { loadDatabaseConfig, loadTestDatabaseAdminUrl } from './config.js';

test('DATABASE_URL selects PostgreSQL', () => {
  assert.deepEqual(loadDatabaseConfig({ DATABASE_URL: 'postgres://u@h:5432/db', XLING_HOME: '/x' }), {
    kind: 'postgres',
    url: 'postgres://u@h:5432/db',
  });
});

test('without DATABASE_URL the embedded database lives under XLING_HOME or ./.xling', () => {
  assert.deepEqual(loadDatabaseConfig({ XLING_HOME: '/srv/xling' }), { kind: 'embedded', dataDir: '/srv/xling/pgdata' });
  assert.deepEqual(loadDatabaseConfig({ DATABASE_URL: '' }), { kind: 'embedded', dataDir: resolve('.xling', 'pgdata') });
  assert.deepEqual(loadDatabaseConfig({ XLING_HOME: 'rel' }), { kind: 'embedded', dataDir: resolve('rel', 'pgdata') });
});

test('test admin URL defaults to the local server and can be overridden', () => {
  assert.equal(loadTestDatabaseAdminUrl({}), 'postgres://postgres@127.0.0.1:5432/postgres');
  assert.equal(loadTestDatabaseAdminUrl({ TEST_DATABASE_ADMIN_URL: 'postgres://a@b/c' }), 'postgres://a@b/c');
});
