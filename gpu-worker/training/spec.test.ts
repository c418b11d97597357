import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobError } from '../../schema/jobs.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL } from '../../schema/training.js';
import { parseTrainingSpec, type StoredRun } from './spec.js';

const run = (overrides: Partial<StoredRun> = {}): StoredRun => ({
  strategy: 'HYBRID',
  alpha: 0.4,
  model: { family: 'BAG_OF_SUBWORDS', dimension: 32, layers: 0, vocabularySize: 4096 },
  trainDatasets: ['mlqa-r'],
  languages: ['en', 'de'],
  seed: 7,
  hyperParameters: { steps: 20, batchSize: 16 },
  ...overrides,
});
const nonRetryable = (err: unknown) => err instanceof JobError && !err.retryable;

test('stored fields override the defaults; missing ones take them', () => {
  const spec = parseTrainingSpec(run());
  assert.deepEqual(spec.model, { ...DEFAULT_MODEL, dimension: 32, vocabularySize: 4096 });
  assert.deepEqual(spec.hyperParameters, { ...DEFAULT_HYPER_PARAMETERS, steps: 20, batchSize: 16 });
  assert.equal(spec.alpha, 0.4);
  assert.deepEqual(parseTrainingSpec(run({ model: null, hyperParameters: null })).model, DEFAULT_MODEL);
});

test('MONO and CROSS imply their alpha', () => {
  assert.equal(parseTrainingSpec(run({ strategy: 'MONO', alpha: 0.4 })).alpha, 1);
  assert.equal(parseTrainingSpec(run({ strategy: 'CROSS', alpha: 0.4 })).alpha, 0);
});

test('invalid specs are non-retryable errors', () => {
  assert.throws(() => parseTrainingSpec(run({ strategy: 'RANDOM' })), nonRetryable);
  assert.throws(() => parseTrainingSpec(run({ hyperParameters: { batchSize: 1 } })), nonRetryable);
  assert.throws(() => parseTrainingSpec(run({ hyperParameters: { learningRate: -1 } })), nonRetryable);
  assert.throws(() => parseTrainingSpec(run({ model: { dimension: 2.5 } })), nonRetryable);
  assert.throws(() => parseTrainingSpec(run({ model: [] })), nonRetryable);
  assert.throws(() => parseTrainingSpec(run({ alpha: 2 })), nonRetryable);
  assert.throws(() => parseTrainingSpec(run({ languages: [] })), nonRetryable);
});
