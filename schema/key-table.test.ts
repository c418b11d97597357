import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKeyTable } from './key-table.js';

test('stores and finds values by key across growth, like a Map', () => {
  const table = createKeyTable(4);
  const reference = new Map<string, number>();
  for (let i = 0; i < 50_000; i++) {
    const key = JSON.stringify([`id-${i % 20_000}`, i % 3 === 0 ? 'en' : 'de']);
    if (!reference.has(key)) {
      reference.set(key, i);
      table.set(key, i);
    }
  }
  assert.equal(table.size, reference.size);
  for (const [key, value] of reference) assert.equal(table.get(key), value);
  for (let i = 0; i < 1000; i++) assert.equal(table.get(`absent-${i}`), undefined);
});

test('set overwrites the value of a present key without growing; near-identical keys stay apart', () => {
  const table = createKeyTable();
  table.set('a', 1);
  table.set('a', 7);
  assert.equal(table.size, 1);
  assert.equal(table.get('a'), 7);
  for (const key of ['', 'b', 'A', 'a ', ' a', '["a","en"]', '["a","de"]', '\u0000', 'ä']) table.set(key, key.length);
  assert.equal(table.size, 10);
  assert.equal(table.get('["a","en"]'), 10);
  assert.equal(table.get(''), 0);
});
