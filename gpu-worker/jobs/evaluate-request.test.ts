import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobError } from '../../schema/jobs.js';
import { parseEvaluationRequest } from './evaluate-request.js';

const valid = { target: { kind: 'run', runId: 'r1' }, suites: ['MLQA_R', 'XNLI_ALIGNMENT'], bootstrap: 200, seed: 3 };

test('a stored request parses; repeated suites count once', () => {
  assert.deepEqual(parseEvaluationRequest(valid), valid);
  assert.deepEqual(parseEvaluationRequest({ ...valid, target: { kind: 'baseline', baseline: 'BM25' }, suites: ['XQUAD_R', 'XQUAD_R'] }), {
    target: { kind: 'baseline', baseline: 'BM25' }, suites: ['XQUAD_R'], bootstrap: 200, seed: 3,
  });
  assert.deepEqual(parseEvaluationRequest({ ...valid, target: { kind: 'checkpoint', checkpointId: 'c1' } }).target, { kind: 'checkpoint', checkpointId: 'c1' });
});

test('a malformed request fails for good, naming what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [null, /payload null is not an object/],
    [{ ...valid, target: { kind: 'run' } }, /target\.runId undefined/],
    [{ ...valid, target: { kind: 'baseline', baseline: 'TFIDF' } }, /target\.baseline "TFIDF" \(known: BM25, RANDOM\)/],
    [{ ...valid, target: { kind: 'model' } }, /target \{"kind":"model"\}/],
    [{ ...valid, suites: [] }, /suites \[\] \(a non-empty list\)/],
    [{ ...valid, suites: ['SQUAD'] }, /suite "SQUAD"/],
    [{ ...valid, bootstrap: 0 }, /bootstrap 0/],
    [{ ...valid, seed: 1.5 }, /seed 1\.5/],
  ];
  for (const [payload, message] of cases) {
    assert.throws(() => parseEvaluationRequest(payload), (err) => err instanceof JobError && !err.retryable && message.test(err.message), JSON.stringify(payload));
  }
});
