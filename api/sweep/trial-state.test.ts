import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trialState } from './trial-state.js';

test('a trial follows its run, then its evaluation; one stopped by the median rule is not evaluated', () => {
  assert.equal(trialState({ runStatus: 'QUEUED', stopReason: null, evaluation: null }), 'PENDING');
  assert.equal(trialState({ runStatus: 'RUNNING', stopReason: null, evaluation: null }), 'RUNNING');
  assert.equal(trialState({ runStatus: 'SUCCEEDED', stopReason: null, evaluation: null }), 'EVALUATING');
  assert.equal(trialState({ runStatus: 'SUCCEEDED', stopReason: 'PATIENCE', evaluation: 'RUNNING' }), 'EVALUATING');
  assert.equal(trialState({ runStatus: 'SUCCEEDED', stopReason: null, evaluation: 'SUCCEEDED' }), 'DONE');
  assert.equal(trialState({ runStatus: 'SUCCEEDED', stopReason: null, evaluation: 'FAILED' }), 'FAILED');
  assert.equal(trialState({ runStatus: 'SUCCEEDED', stopReason: 'MEDIAN_RULE', evaluation: null }), 'STOPPED_EARLY');
  assert.equal(trialState({ runStatus: 'FAILED', stopReason: null, evaluation: null }), 'FAILED');
  assert.equal(trialState({ runStatus: 'CANCELLED', stopReason: null, evaluation: null }), 'CANCELLED');
});
