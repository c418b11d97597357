import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drivenRunId } from './status.js';

test('only a TRAIN job drives the status of the run it names', () => {
  assert.equal(drivenRunId({ kind: 'TRAIN', runId: 'r1' }), 'r1');
  assert.equal(drivenRunId({ kind: 'EVALUATE', runId: 'r1' }), null);
  assert.equal(drivenRunId({ kind: 'EMBED', runId: null }), null);
});
