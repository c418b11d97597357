import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAsyncQueue } from './async-queue.js';

test('values pushed before and after a read arrive in order, then the end', async () => {
  const queue = createAsyncQueue<number>();
  queue.push(1);
  const pending = queue.next();
  queue.push(2);
  queue.push(3);
  queue.end();
  assert.deepEqual(await pending, { value: 1, done: false });
  assert.deepEqual(await queue.next(), { value: 2, done: false });
  assert.deepEqual(await queue.next(), { value: 3, done: false });
  assert.deepEqual(await queue.next(), { value: undefined, done: true });
});

test('return() releases a waiting reader and runs the cleanup once', async () => {
  let closed = 0;
  const queue = createAsyncQueue<number>(() => (closed += 1));
  const waiting = queue.next();
  await queue.return!();
  assert.deepEqual(await waiting, { value: undefined, done: true });
  queue.end();
  queue.push(4);
  assert.deepEqual(await queue.next(), { value: undefined, done: true });
  assert.equal(closed, 1);
});

test('an error ends the stream with a rejection', async () => {
  const queue = createAsyncQueue<number>();
  const waiting = queue.next();
  queue.end(new Error('gone'));
  await assert.rejects(waiting, /gone/);
  assert.deepEqual(await queue.next(), { value: undefined, done: true });
});
