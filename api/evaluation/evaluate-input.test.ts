import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphQLError } from 'graphql';
import { DEFAULT_EVALUATION } from '../../schema/evaluation.js';
import { DEFAULT_RETRIEVAL } from '../../schema/serving.js';
import type { DatasetInfo } from '../dataset/catalog.js';
import { refuseLeakage, resolveEvaluateInput, type EvaluateInputData } from './evaluate-input.js';

const dataset = (name: string, available = true): DatasetInfo => ({
  name, kind: 'QA_SENTENCES', evaluation: true, available, trainable: true, languages: ['en'], files: [], bytes: 0,
});
const DATASETS = [dataset('mlqa-r'), dataset('xquad-r'), dataset('xnli'), dataset('pawsx')];

function badInput(run: () => unknown, field: string, value: unknown, fragment?: RegExp): GraphQLError {
  let caught: unknown;
  assert.throws(run, (error: unknown) => ((caught = error), true));
  assert.ok(caught instanceof GraphQLError, `expected a GraphQLError, got ${String(caught)}`);
  assert.equal(caught.extensions.code, 'BAD_USER_INPUT');
  assert.equal(caught.extensions.field, field);
  assert.deepEqual(caught.extensions.value, value);
  if (fragment) assert.match(caught.message, fragment);
  return caught;
}
const rejects = (input: EvaluateInputData, field: string, value: unknown, fragment?: RegExp, datasets = DATASETS) =>
  badInput(() => resolveEvaluateInput(input, datasets), field, value, fragment);

test('defaults: every suite, the contract bootstrap and seed, HYBRID retrieval as search, no key', () => {
  assert.deepEqual(resolveEvaluateInput({ baseline: 'RANDOM' }, DATASETS), {
    request: { target: { kind: 'baseline', baseline: 'RANDOM' }, suites: ['XQUAD_R', 'MLQA_R', 'XNLI_ALIGNMENT'], ...DEFAULT_EVALUATION, retrieval: DEFAULT_RETRIEVAL },
    idempotencyKey: null,
  });
  const resolved = resolveEvaluateInput({ runId: 'r1', suites: ['MLQA_R'], bootstrap: 100, seed: 7, idempotencyKey: 'k', mode: 'DENSE' }, DATASETS);
  assert.deepEqual(resolved, {
    request: { target: { kind: 'run', runId: 'r1' }, suites: ['MLQA_R'], bootstrap: 100, seed: 7, retrieval: { ...DEFAULT_RETRIEVAL, mode: 'DENSE' } },
    idempotencyKey: 'k',
  });
  assert.deepEqual(resolveEvaluateInput({ runId: 'r1', fusion: { method: 'WEIGHTED', denseWeight: 0.7 } }, DATASETS).request.retrieval, {
    mode: 'HYBRID', fusion: { kind: 'WEIGHTED', denseWeight: 0.7 }, dictionary: true,
  });
  rejects({ runId: 'r1', mode: 'LEXICAL', fusion: { method: 'RRF' } }, 'input.fusion', 'RRF', /applies to HYBRID mode only/);
  rejects({ runId: 'r1', fusion: { method: 'RRF', k: 0 } }, 'input.fusion.k', 0);
  assert.deepEqual(resolveEvaluateInput({ checkpointId: 'c1', suites: ['XNLI_ALIGNMENT'] }, DATASETS).request.target, { kind: 'checkpoint', checkpointId: 'c1' });
});

test('exactly one target: none or several are refused, naming the fields', () => {
  const none = rejects({}, 'input', {}, /names no target; give exactly one of input\.runId, input\.checkpointId, input\.baseline/);
  assert.deepEqual(none.extensions.fields, ['input.runId', 'input.checkpointId', 'input.baseline']);
  const two = rejects({ runId: 'r1', baseline: 'RANDOM' }, 'input', { runId: 'r1', baseline: 'RANDOM' }, /names 2 targets/);
  assert.deepEqual(two.extensions.fields, ['input.runId', 'input.baseline']);
  rejects({ runId: ' ' }, 'input.runId', ' ', /is empty/);
  rejects({ baseline: 'TFIDF' }, 'input.baseline', 'TFIDF', /is not one of BM25, DICT_BM25, RANDOM/);
});

test('suites: not empty, not repeated, known, and their dataset present', () => {
  rejects({ baseline: 'BM25', suites: [] }, 'input.suites', [], /is empty/);
  rejects({ baseline: 'BM25', suites: ['MLQA_R', 'MLQA_R'] }, 'input.suites[1]', 'MLQA_R', /listed twice/);
  rejects({ baseline: 'BM25', suites: ['TYDI'] }, 'input.suites[0]', 'TYDI', /is not one of XQUAD_R, MLQA_R, XNLI_ALIGNMENT, BUCC2018/);
  rejects({ baseline: 'BM25', suites: ['MLQA_R', 'XQUAD_R'] }, 'input.suites[1]', 'XQUAD_R', /needs dataset xquad-r/, [dataset('mlqa-r'), dataset('xquad-r', false)]);
});

test('bootstrap in [100, 10000], seed a non-negative 32-bit integer, key 1..200 characters', () => {
  rejects({ baseline: 'BM25', bootstrap: 99 }, 'input.bootstrap', 99, /is not in \[100, 10000\]/);
  rejects({ baseline: 'BM25', bootstrap: 10_001 }, 'input.bootstrap', 10_001);
  assert.equal(resolveEvaluateInput({ baseline: 'BM25', bootstrap: 10_000 }, DATASETS).request.bootstrap, 10_000);
  rejects({ baseline: 'BM25', seed: -1 }, 'input.seed', -1);
  rejects({ baseline: 'BM25', idempotencyKey: '' }, 'input.idempotencyKey', '');
});

test('leakage: a model trained on a suite dataset is not evaluated on that suite', () => {
  refuseLeakage('run r1', ['mlqa-r', 'pawsx'], ['XQUAD_R', 'XNLI_ALIGNMENT']);
  badInput(
    () => refuseLeakage('run r1', ['pawsx', 'mlqa-r'], ['XQUAD_R', 'MLQA_R']),
    'input.suites', ['XQUAD_R', 'MLQA_R'], /^input\.suites: \["XQUAD_R","MLQA_R"\] includes MLQA_R: run r1 was trained on "mlqa-r"/,
  );
  badInput(() => refuseLeakage('checkpoint c1', ['xnli'], ['XNLI_ALIGNMENT']), 'input.suites', ['XNLI_ALIGNMENT'], /trained on "xnli"/);
});

test('BM25 and DICT_BM25 default to the retrieval suites and refuse XNLI alignment and BUCC mining, which need embeddings', () => {
  for (const baseline of ['BM25', 'DICT_BM25']) {
    assert.deepEqual(resolveEvaluateInput({ baseline }, DATASETS).request.suites, ['XQUAD_R', 'MLQA_R']);
    rejects({ baseline, suites: ['MLQA_R', 'XNLI_ALIGNMENT'] }, 'input.suites', ['MLQA_R', 'XNLI_ALIGNMENT'], new RegExp(`includes XNLI_ALIGNMENT, which needs embeddings: the ${baseline} baseline has none`));
    rejects({ baseline, suites: ['BUCC2018'] }, 'input.suites', ['BUCC2018'], /includes BUCC2018, which needs embeddings/, [...DATASETS, dataset('bucc2018')]);
  }
});

test('BUCC2018 is evaluated when named, never by default, and needs its dataset', () => {
  assert.deepEqual(resolveEvaluateInput({ runId: 'r1', suites: ['BUCC2018'] }, [...DATASETS, dataset('bucc2018')]).request.suites, ['BUCC2018']);
  assert.ok(!resolveEvaluateInput({ runId: 'r1' }, DATASETS).request.suites.includes('BUCC2018'));
  rejects({ runId: 'r1', suites: ['BUCC2018'] }, 'input.suites[0]', 'BUCC2018', /needs dataset bucc2018/);
});
