import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { checkpointPath } from '../../gpu-worker/encoding/checkpoint.js';
import { checkpointShown, reportShown } from './shown.js';

test('checkpoint and report folders are shown relative to the folder the worker wrote them in', () => {
  assert.equal(checkpointShown(checkpointPath('/srv/xling/.xling/checkpoints', 'run-1', 20)), 'run-1/step-20');
  assert.equal(checkpointShown(checkpointPath('relative/ckpt', 'run-2', 5)), 'run-2/step-5');
  assert.equal(reportShown(path.resolve('/home/me/reports', 'exp-1')), 'exp-1');
  assert.equal(reportShown('/home/me/reports/exp-1/'), 'exp-1');
});
