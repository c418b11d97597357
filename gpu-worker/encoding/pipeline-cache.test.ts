import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLruCache } from './pipeline-cache.js';

test('the least recently used entry is evicted first; reads count as use', () => {
  const cache = createLruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  assert.equal(cache.get('a'), 1);
  cache.set('c', 3);
  assert.equal(cache.get('b'), undefined, 'b was the least recently used');
  assert.deepEqual([cache.get('a'), cache.get('c'), cache.size], [1, 3, 2]);
});

test('capacity 0 stores nothing', () => {
  const cache = createLruCache<string, number>(0);
  cache.set('a', 1);
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 0);
});
