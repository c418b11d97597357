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
  assert.deepEqual(spec.evaluationSuites, [], 'a row without the column names no suite');
  assert.deepEqual(parseTrainingSpec(run({ model: null, hyperParameters: null })).model, DEFAULT_MODEL);
});

test('the newer fields are read: loss, clipping, validation, checkpoints, suites, tokenizer', () => {
  const spec = parseTrainingSpec(
    run({
      model: { family: 'TRANSFORMER', layers: 2, pooling: 'CLS', tokenizer: 'HASHED', ffnDimension: 512 },
      hyperParameters: {
        symmetricLoss: true,
        gradientClipNorm: 0,
        validationFraction: 0.1,
        validateEvery: 7,
        earlyStoppingPatience: 3,
        checkpointEvery: 9,
      },
      evaluationSuites: ['XQUAD_R', 'XNLI_ALIGNMENT'],
    }),
  );
  assert.equal(spec.model.tokenizer, 'HASHED');
  assert.equal(spec.model.ffnDimension, 512);
  const { symmetricLoss, gradientClipNorm, validationFraction, validateEvery, earlyStoppingPatience, checkpointEvery } = spec.hyperParameters;
  assert.deepEqual(
    { symmetricLoss, gradientClipNorm, validationFraction, validateEvery, earlyStoppingPatience, checkpointEvery },
    { symmetricLoss: true, gradientClipNorm: 0, validationFraction: 0.1, validateEvery: 7, earlyStoppingPatience: 3, checkpointEvery: 9 },
  );
  assert.deepEqual(spec.evaluationSuites, ['XQUAD_R', 'XNLI_ALIGNMENT']);
});

test('MONO and CROSS imply their alpha', () => {
  assert.equal(parseTrainingSpec(run({ strategy: 'MONO', alpha: 0.4 })).alpha, 1);
  assert.equal(parseTrainingSpec(run({ strategy: 'CROSS', alpha: 0.4 })).alpha, 0);
});

test('invalid specs are non-retryable errors', () => {
  const invalid: Partial<StoredRun>[] = [
    { strategy: 'RANDOM' },
    { hyperParameters: { batchSize: 1 } },
    { hyperParameters: { learningRate: -1 } },
    { model: { dimension: 2.5 } },
    { model: [] },
    { model: { tokenizer: 'BPE' } },
    { model: { ffnDimension: 0 } },
    { model: { family: 'BAG_OF_SUBWORDS', pooling: 'CLS' } },
    { model: { family: 'BAG_OF_SUBWORDS', layers: 2 } },
    { model: { family: 'TRANSFORMER', layers: 0 } },
    { model: { family: 'TRANSFORMER', layers: 2, dimension: 30, heads: 4 } },
    { alpha: 2 },
    { languages: [] },
    { hyperParameters: { symmetricLoss: 'yes' } },
    { hyperParameters: { gradientClipNorm: -1 } },
    { hyperParameters: { validationFraction: 0.5 } },
    { hyperParameters: { validationFraction: -0.1 } },
    { hyperParameters: { validateEvery: 0 } },
    { hyperParameters: { checkpointEvery: 1.5 } },
    { hyperParameters: { earlyStoppingPatience: -1 } },
    { hyperParameters: { earlyStoppingPatience: 2, validationFraction: 0 } },
    { evaluationSuites: ['SQUAD'] },
    { evaluationSuites: 'MLQA_R' },
  ];
  for (const overrides of invalid) assert.throws(() => parseTrainingSpec(run(overrides)), nonRetryable, JSON.stringify(overrides));
});
