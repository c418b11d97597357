import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bar, jobsLine, runLines } from './progress-bars.js';

test('bars fill in proportion and clamp', () => {
  assert.equal(bar(0.5, 10), '[#####.....]  50%');
  assert.equal(bar(2, 4), '[####] 100%');
  assert.equal(bar(Number.NaN, 4), '[....]   0%');
});

test('run lines align labels and show step, total and status; a finished run is full', () => {
  const lines = runLines([
    { label: 'XQUAD_R MONO s1', status: 'RUNNING', step: 10, steps: 40 },
    { label: 'MLQA_R HYBRID(0.5) s1', status: 'SUCCEEDED', step: 38, steps: 40 },
  ]);
  assert.match(lines[0]!, /^XQUAD_R MONO s1 {7}\[######\.+\]  25% 10\/40 RUNNING$/);
  assert.match(lines[1]!, /100% 38\/40 SUCCEEDED$/);
});

test('the jobs line counts finished jobs and shows elapsed time', () => {
  assert.match(jobsLine({ jobs: 10, succeeded: 4, failed: 1, running: 2, queued: 3 }, 75), /50% 5\/10 done \(2 running, 3 queued, 1 failed\) 1:15$/);
});
