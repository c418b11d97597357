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
  const retrieval = { mode: 'HYBRID', fusion: { kind: 'WEIGHTED', denseWeight: 0.3 }, dictionary: false };
  assert.deepEqual(parseEvaluationRequest({ ...valid, retrieval }).retrieval, retrieval);
  assert.equal(parseEvaluationRequest(valid).retrieval, undefined, 'requests from before modes: the job evaluates DENSE');
  assert.deepEqual(parseEvaluationRequest({ ...valid, suites: [], datasets: ['faq', 'faq'] }).datasets, ['faq'], 'imported suites alone');
});

test('a malformed request fails for good, naming what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [null, /payload null is not an object/],
    [{ ...valid, target: { kind: 'run' } }, /target\.runId undefined/],
    [{ ...valid, target: { kind: 'baseline', baseline: 'TFIDF' } }, /target\.baseline "TFIDF" \(known: BM25, DICT_BM25, RANDOM\)/],
    [{ ...valid, retrieval: { mode: 'SPARSE', fusion: { kind: 'RRF', k: 60 }, dictionary: true } }, /retrieval .* \(mode DENSE \| LEXICAL \| HYBRID\)/],
    [{ ...valid, retrieval: { mode: 'HYBRID', fusion: { kind: 'RRF', k: 0 }, dictionary: true } }, /retrieval\.fusion/],
    [{ ...valid, retrieval: { mode: 'HYBRID', fusion: { kind: 'WEIGHTED', denseWeight: 2 }, dictionary: true } }, /retrieval\.fusion/],
    [{ ...valid, retrieval: { mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 } } }, /retrieval\.dictionary/],
    [{ ...valid, target: { kind: 'model' } }, /target \{"kind":"model"\}/],
    [{ ...valid, suites: [] }, /no suite and no dataset to evaluate/],
    [{ ...valid, suites: [], datasets: [''] }, /datasets \[""\] \(a list of names\)/],
    [{ ...valid, suites: ['SQUAD'] }, /suite "SQUAD"/],
    [{ ...valid, bootstrap: 0 }, /bootstrap 0/],
    [{ ...valid, seed: 1.5 }, /seed 1\.5/],
  ];
  for (const [payload, message] of cases) {
    assert.throws(() => parseEvaluationRequest(payload), (err) => err instanceof JobError && !err.retryable && message.test(err.message), JSON.stringify(payload));
  }
});
