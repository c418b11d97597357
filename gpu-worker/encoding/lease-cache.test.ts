import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLeaseCache } from './lease-cache.js';

function encoders() {
  const loads: string[] = [];
  const disposed: string[] = [];
  const load = (key: string) => async () => {
    loads.push(key);
    return { key, dispose: () => disposed.push(key) };
  };
  return { loads, disposed, load };
}

const tick = () => new Promise((r) => setImmediate(r));

test('an encoder is loaded once and shared; the least recently used goes first, once released', async () => {
  const { loads, disposed, load } = encoders();
  const cache = createLeaseCache<{ key: string; dispose(): void }>(2);
  const [a1, a2] = await Promise.all([cache.acquire('a', load('a')), cache.acquire('a', load('a'))]);
  assert.equal(a1.value, a2.value);
  assert.deepEqual(loads, ['a']);
  a1.release();
  a2.release();
  a2.release(); // releasing twice counts once
  (await cache.acquire('b', load('b'))).release();
  (await cache.acquire('a', load('a'))).release(); // a is now the most recently used
  const c = await cache.acquire('c', load('c'));
  await tick();
  assert.deepEqual([loads, disposed, cache.size], [['a', 'b', 'c'], ['b'], 2]);

  // Pushed out while in use: disposed only when its user is done.
  const d = await cache.acquire('d', load('d'));
  const e = await cache.acquire('e', load('e'));
  await tick();
  assert.deepEqual(disposed, ['b', 'a']);
  c.release();
  await tick();
  assert.deepEqual(disposed, ['b', 'a', 'c']);
  cache.clear();
  e.release();
  await tick();
  assert.deepEqual(disposed, ['b', 'a', 'c', 'e'], 'd is still in use');
  d.release();
  await tick();
  assert.deepEqual([disposed, cache.size], [['b', 'a', 'c', 'e', 'd'], 0]);
});

test('a failed load is not cached: the next acquire loads again', async () => {
  const cache = createLeaseCache<{ dispose(): void }>(2);
  let attempts = 0;
  const flaky = async () => {
    if (++attempts === 1) throw new Error('disk not mounted');
    return { dispose: () => {} };
  };
  await assert.rejects(cache.acquire('x', flaky), /disk not mounted/);
  assert.equal(cache.size, 0);
  (await cache.acquire('x', flaky)).release();
  assert.deepEqual([attempts, cache.size], [2, 1]);
});
