import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseAdmissions, type TrainingEntry } from './admission.js';

let n = 0;
const entry = (over: Partial<TrainingEntry>): TrainingEntry => ({
  id: `j${++n}`, state: 'held', workerClass: 'cpu', priority: 0, share: 'alice', group: null, createdAt: n, key: `k${String(n).padStart(3, '0')}`, ...over,
});
const limits = (depth: number, caps: Record<string, number> = {}) => ({ depth, groupCaps: new Map(Object.entries(caps)) });

test('higher priority is admitted first, whatever its age', () => {
  const old = entry({ id: 'old', createdAt: 1 });
  const urgent = entry({ id: 'urgent', createdAt: 9, priority: 5 });
  const low = entry({ id: 'low', createdAt: 0, priority: -3 });
  assert.deepEqual(chooseAdmissions([old, urgent, low], limits(3)), ['urgent', 'old', 'low']);
  assert.deepEqual(chooseAdmissions([old, urgent, low], limits(1)), ['urgent']);
});

test('at equal priority, the key with the fewest trainings queued or running goes first: a sweep does not starve others', () => {
  const sweep = Array.from({ length: 6 }, (_, i) => entry({ id: `sweep${i}`, share: 'alice', createdAt: i }));
  const bob = entry({ id: 'bob', share: 'bob', createdAt: 100 });
  const running = entry({ id: 'r', share: 'alice', state: 'running' });
  // alice already runs one: bob's newer job is admitted first, then alice's oldest.
  assert.deepEqual(chooseAdmissions([...sweep, bob, running], limits(2)), ['bob', 'sweep0']);
  // Without bob, alice's jobs go in their order.
  assert.deepEqual(chooseAdmissions([...sweep, running], limits(3)), ['sweep0', 'sweep1', 'sweep2']);
});

test('each worker class has its own depth; jobs already admitted and not started fill it', () => {
  const waitingCpu = entry({ state: 'admitted' });
  const cpu = entry({ id: 'cpu' });
  const gpu = entry({ id: 'gpu', workerClass: 'gpu' });
  assert.deepEqual(chooseAdmissions([waitingCpu, cpu, gpu], limits(1)), ['gpu']);
  assert.deepEqual(chooseAdmissions([waitingCpu, cpu, gpu], limits(2)).sort(), ['cpu', 'gpu']);
});

test('a group stops at its cap counting running and admitted trials; its trials go in key order', () => {
  const trials = [3, 1, 2, 0].map((i) => entry({ id: `t${i}`, group: 'sweep', createdAt: 0, key: `trial:${i}` }));
  assert.deepEqual(chooseAdmissions(trials, limits(10, { sweep: 2 })), ['t0', 't1']);
  const busy = [entry({ group: 'sweep', state: 'running' }), entry({ group: 'sweep', state: 'admitted' })];
  assert.deepEqual(chooseAdmissions([...trials, ...busy], limits(10, { sweep: 2 })), []);
  // Other work is not held back by a capped group.
  const other = entry({ id: 'other', share: 'alice', createdAt: 50 });
  assert.deepEqual(chooseAdmissions([...trials, ...busy, other], limits(10, { sweep: 2 })), ['other']);
});

test('nothing held: nothing admitted', () => {
  assert.deepEqual(chooseAdmissions([], limits(2)), []);
  assert.deepEqual(chooseAdmissions([entry({ state: 'running' })], limits(2)), []);
});
