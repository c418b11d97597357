import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSerial, serialPer } from './serial.js';

test('tasks run one at a time in arrival order; a failure does not stop the next', async () => {
  const serial = createSerial();
  let active = 0;
  let most = 0;
  const order: number[] = [];
  const task = (n: number, fail = false) => async () => {
    active++;
    most = Math.max(most, active);
    await sleep(5);
    order.push(n);
    active--;
    if (fail) throw new Error(`task ${n}`);
    return n;
  };
  const results = await Promise.allSettled([serial.run(task(1)), serial.run(task(2, true)), serial.run(task(3))]);
  assert.equal(most, 1);
  assert.deepEqual(order, [1, 2, 3]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal(serial.pending, 0);
});

test('serialPer gives each key its own Serial', () => {
  const of = serialPer<object>();
  const a = {};
  assert.equal(of(a), of(a));
  assert.notEqual(of(a), of({}));
});
