import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../schema/config.js';
import { loadWorkerConfig, retryDelay } from './config.js';

test('defaults: hostname-pid id, one job at a time, checkpoints under the home folder', () => {
  const config = loadWorkerConfig({ XLING_HOME: '/srv/xling', DATA_DIR: '/data' }, '/app');
  assert.equal(config.workerId, `${os.hostname()}-${process.pid}`);
  assert.equal(config.concurrency, 1);
  assert.equal(config.checkpointDir, path.join('/srv/xling', 'checkpoints'));
  assert.equal(config.tfBackend, undefined);
  assert.equal(config.settings.dataDir, '/data');
  assert.equal(config.settings.bus.kind, 'memory');
});

test('the environment overrides the defaults', () => {
  const config = loadWorkerConfig(
    { WORKER_ID: 'gpu-7', WORKER_CONCURRENCY: '2', CHECKPOINT_DIR: 'ckpt', TF_BACKEND: 'wasm', NATS_URL: 'nats://h:4222', JOB_RETRY_BACKOFF_MS: '10' },
    '/app',
  );
  assert.equal(config.workerId, 'gpu-7');
  assert.equal(config.concurrency, 2);
  assert.equal(config.checkpointDir, '/app/ckpt');
  assert.equal(config.tfBackend, 'wasm');
  assert.deepEqual(config.settings.bus, { kind: 'nats', servers: 'nats://h:4222', prefix: 'xling' });
  assert.deepEqual([1, 2, 3].map(retryDelay(config)), [10, 20, 40]);
});

test('invalid values are rejected with the setting named', () => {
  assert.throws(() => loadWorkerConfig({ TF_BACKEND: 'cuda' }, '/app'), (err: unknown) => err instanceof ConfigError && /TF_BACKEND/.test(err.message));
  assert.throws(() => loadWorkerConfig({ WORKER_CONCURRENCY: '-1' }, '/app'), ConfigError);
  assert.throws(() => loadWorkerConfig({ WORKER_CONCURRENCY: '0', SERVE_QUERIES: 'off' }, '/app'), (err: unknown) => err instanceof ConfigError && /SERVE_QUERIES/.test(err.message));
  assert.throws(() => loadWorkerConfig({ SERVE_QUERIES: 'maybe' }, '/app'), (err: unknown) => err instanceof ConfigError && /SERVE_QUERIES/.test(err.message));
  assert.throws(() => loadWorkerConfig({ VECTOR_STORE: 'shared' }, '/app'), (err: unknown) => err instanceof ConfigError && /VECTOR_STORE/.test(err.message));
  assert.throws(() => loadWorkerConfig({ VECTOR_STORE: 'remote', QDRANT_URL: 'http://q:6333' }, '/app'), (err: unknown) => err instanceof ConfigError && /QDRANT_URL/.test(err.message));
});

test('roles: queries and jobs by default; WORKER_CONCURRENCY=0 serves queries only; SERVE_QUERIES=off and VECTOR_STORE=remote take jobs only', () => {
  const both = loadWorkerConfig({}, '/app');
  assert.deepEqual([both.concurrency, both.serveQueries, both.vectorStore], [1, true, 'local']);
  const serving = loadWorkerConfig({ WORKER_CONCURRENCY: '0' }, '/app');
  assert.deepEqual([serving.concurrency, serving.serveQueries], [0, true]);
  assert.equal(loadWorkerConfig({ SERVE_QUERIES: 'off', QDRANT_URL: 'http://q:6333' }, '/app').serveQueries, false);
  const remote = loadWorkerConfig({ VECTOR_STORE: 'remote' }, '/app');
  assert.deepEqual([remote.vectorStore, remote.serveQueries], ['remote', false]);
});

test('WORKER_DEVICE_MEMORY_BYTES sets the GPU memory a worker advertises; the training queue depth is shared with the gateway', () => {
  assert.equal(loadWorkerConfig({ WORKER_DEVICE_MEMORY_BYTES: '25769803776' }, '/app').deviceMemoryBytes, 24 * 2 ** 30);
  assert.equal(loadWorkerConfig({}, '/app').deviceMemoryBytes, undefined);
  assert.throws(() => loadWorkerConfig({ WORKER_DEVICE_MEMORY_BYTES: 'lots' }, '/app'), (e: unknown) => e instanceof ConfigError && /WORKER_DEVICE_MEMORY_BYTES/.test(e.message));
  assert.equal(loadWorkerConfig({}, '/app').settings.trainingQueueDepth, 2);
  assert.equal(loadWorkerConfig({ TRAINING_QUEUE_DEPTH: '5' }, '/app').settings.trainingQueueDepth, 5);
  assert.throws(() => loadWorkerConfig({ TRAINING_QUEUE_DEPTH: '0' }, '/app'), /TRAINING_QUEUE_DEPTH/);
});
