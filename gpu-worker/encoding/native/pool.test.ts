import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputPool } from './pool.js';

test('an array comes back once the one tensor holding it is released', () => {
  const pool = new OutputPool(1 << 20);
  const a = pool.take(16);
  pool.held(a);
  pool.released(a);
  assert.equal(pool.bytesFree, 64);
  assert.equal(pool.take(8) === a, false, 'another length gets another array');
  assert.equal(pool.take(16), a);
  assert.equal(pool.bytesFree, 0);
});

test('arrays that were read out, shared, viewed or never held are not reused', () => {
  const pool = new OutputPool(1 << 20);
  const read = pool.take(4);
  pool.held(read);
  pool.escaped(read);
  pool.released(read);

  const shared = pool.take(4);
  pool.held(shared);
  pool.held(shared); // a second tensor on the same array
  pool.released(shared);

  const viewed = pool.take(4);
  pool.held(viewed);
  pool.held(viewed.subarray(1, 3)); // a slice that shares the buffer
  pool.released(viewed);

  const neverHeld = pool.take(4);
  pool.released(neverHeld);

  assert.equal(pool.bytesFree, 0);
  const next = pool.take(4);
  for (const old of [read, shared, viewed, neverHeld]) assert.notEqual(next, old);
});

test('arrays the pool did not hand out are ignored', () => {
  const pool = new OutputPool(1 << 20);
  const foreign = new Float32Array(4);
  pool.held(foreign);
  pool.released(foreign);
  pool.held([1, 2, 3]);
  pool.released('text');
  assert.equal(pool.bytesFree, 0);
  assert.notEqual(pool.take(4), foreign);
});

test('it keeps no more than its limit of free memory', () => {
  const pool = new OutputPool(100);
  const arrays = [pool.take(16), pool.take(16)];
  for (const a of arrays) pool.held(a);
  for (const a of arrays) pool.released(a);
  assert.equal(pool.bytesFree, 64, 'the second 64-byte array is over the limit');
  assert.equal(pool.take(16), arrays[0]);
  assert.notEqual(pool.take(16), arrays[1]);
});
