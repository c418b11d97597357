import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../schema/config.js';
import { loadApiConfig } from './config.js';

test('defaults: port 4000 on loopback, memory bus and embedded database without settings', () => {
  const config = loadApiConfig({}, '/srv/xling');
  assert.equal(config.port, 4000);
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(config.outbox, { intervalMs: 5_000, minAgeMs: 5_000 });
  assert.equal(config.settings.bus.kind, 'memory');
  assert.equal(config.settings.database.kind, 'embedded');
  assert.equal(config.cwd, '/srv/xling');
});

test('PORT, HOST and outbox timings come from the environment; bad values are rejected', () => {
  const config = loadApiConfig({ PORT: '0', HOST: '127.0.0.1', OUTBOX_INTERVAL_MS: '250', OUTBOX_MIN_AGE_MS: '0', NATS_URL: 'nats://n:4222' }, '/srv');
  assert.equal(config.port, 0);
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(config.outbox, { intervalMs: 250, minAgeMs: 0 });
  assert.equal(config.settings.bus.kind, 'nats');
  assert.throws(() => loadApiConfig({ PORT: 'http' }, '/srv'), ConfigError);
  assert.throws(() => loadApiConfig({ PORT: '70000' }, '/srv'), ConfigError);
});

test('auth: open only for embedded on loopback; keys for any other host and for distributed mode; AUTH=off warns beyond loopback', () => {
  assert.equal(loadApiConfig({}, '/srv').security.auth, 'open');
  assert.equal(loadApiConfig({ HOST: '::1' }, '/srv').security.auth, 'open');
  assert.equal(loadApiConfig({ HOST: '0.0.0.0' }, '/srv').security.auth, 'keys');
  assert.equal(loadApiConfig({ NATS_URL: 'nats://n:4222' }, '/srv').security.auth, 'keys');
  assert.equal(loadApiConfig({ DATABASE_URL: 'postgresql://db/x' }, '/srv').security.auth, 'keys');
  assert.equal(loadApiConfig({ AUTH: 'on' }, '/srv').security.auth, 'keys');
  const off = loadApiConfig({ AUTH: 'off', HOST: '0.0.0.0' }, '/srv').security;
  assert.equal(off.auth, 'open');
  assert.match(off.authWarning ?? '', /AUTH=off/);
  assert.equal(loadApiConfig({ AUTH: 'off' }, '/srv').security.authWarning, undefined);
  assert.throws(() => loadApiConfig({ AUTH: 'maybe' }, '/srv'), ConfigError);
});

test('stack traces only with NODE_ENV=development; introspection off in production unless asked for', () => {
  assert.equal(loadApiConfig({}, '/srv').security.development, false);
  assert.equal(loadApiConfig({ NODE_ENV: 'development' }, '/srv').security.development, true);
  assert.equal(loadApiConfig({}, '/srv').security.introspection, true);
  assert.equal(loadApiConfig({ NODE_ENV: 'production' }, '/srv').security.introspection, false);
  assert.equal(loadApiConfig({ NODE_ENV: 'production', INTROSPECTION: 'true' }, '/srv').security.introspection, true);
});

test('IMPORT_ROOTS lists folders separated by the path delimiter (default: DATA_DIR); IMPORT_MAX_BYTES caps imports', () => {
  const defaults = loadApiConfig({ DATA_DIR: 'data' }, '/srv');
  assert.deepEqual(defaults.settings.importRoots, ['/srv/data']);
  assert.equal(defaults.settings.importMaxBytes, 256 * 1024 * 1024);
  const set = loadApiConfig({ IMPORT_ROOTS: `/mnt/a${path.delimiter}b${path.delimiter}`, IMPORT_MAX_BYTES: '1000' }, '/srv');
  assert.deepEqual(set.settings.importRoots, ['/mnt/a', '/srv/b']);
  assert.equal(set.settings.importMaxBytes, 1000);
  assert.throws(() => loadApiConfig({ IMPORT_MAX_BYTES: '0' }, '/srv'), ConfigError);
});
