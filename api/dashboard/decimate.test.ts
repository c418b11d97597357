import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimate } from './decimate.js';

test('short series pass unchanged', () => {
  assert.deepEqual(decimate([1, 2, 3], [3, null, 1], 100), { xs: [1, 2, 3], ys: [3, null, 1] });
});

test('a 10,000-step curve keeps at most max points, its ends, and its spikes', () => {
  const xs = Array.from({ length: 10_000 }, (_, i) => i + 1);
  const ys = xs.map((x) => 1 / x);
  ys[5000] = 50; // one spike
  ys[7000] = -3; // one dip
  const { xs: dx, ys: dy } = decimate(xs, ys, 1000);
  assert.ok(dx.length <= 1000, `${dx.length}`);
  assert.equal(dx[0], 1);
  assert.equal(dx.at(-1), 10_000);
  assert.ok(dy.includes(50) && dy.includes(-3), 'extremes survive');
  for (let i = 1; i < dx.length; i++) assert.ok(dx[i]! > dx[i - 1]!, 'x stays increasing');
});
