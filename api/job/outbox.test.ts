import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueForRepublish } from './outbox.js';

const at = (ms: number) => new Date(ms);

test('a queued job is republished first after minAge, then after doubling waits', () => {
  const minAge = 5_000;
  const fresh = { createdAt: at(0), updatedAt: at(0) };
  assert.equal(dueForRepublish(fresh, 4_999, minAge), false);
  assert.equal(dueForRepublish(fresh, 5_000, minAge), true);
  const once = { createdAt: at(0), updatedAt: at(5_000) };
  assert.equal(dueForRepublish(once, 9_999, minAge), false);
  assert.equal(dueForRepublish(once, 10_000, minAge), true);
  const twice = { createdAt: at(0), updatedAt: at(10_000) };
  assert.equal(dueForRepublish(twice, 19_999, minAge), false);
  assert.equal(dueForRepublish(twice, 20_000, minAge), true);
});
