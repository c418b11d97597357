import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GraphQLError } from 'graphql';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, DEFAULT_TRAINING } from '../../schema/training.js';
import type { DatasetInfo } from '../dataset/catalog.js';
import { DEFAULT_TRAINING_CAPS } from '../../schema/training-validation.js';
import { RECIPES } from '../../schema/recipes.js';
import { resolveTrainingInput as resolveWithCaps, type TrainingRunInputData } from './training-input.js';

const dataset = (name: string, languages: string[], extra: Partial<DatasetInfo> = {}): DatasetInfo => ({
  name, kind: 'QA_SENTENCES', evaluation: true, available: true, trainable: true, languages,
  files: languages.map((l) => ({ name: `${l}.json`, language: l, bytes: 10 })), bytes: 10 * languages.length, ...extra,
});

const DATASETS: DatasetInfo[] = [
  dataset('mlqa-r', ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh']),
  dataset('xquad-r', ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh']),
  dataset('pawsx', ['de', 'en', 'es', 'fr', 'ja', 'ko', 'zh'], { kind: 'PARALLEL_SENTENCES', evaluation: false }),
  dataset('bucc2018', ['en', 'zh'], { kind: 'BITEXT', trainable: false }),
  dataset('xnli', [], { kind: 'PARALLEL_SENTENCES', available: false }),
  dataset('ntrex128', [], { kind: 'PARALLEL_SENTENCES', available: false }),
  dataset('my-pairs', ['en', 'fr', 'sw'], { kind: 'JSONL', evaluation: false, files: [] }),
];

const base = { path: 'models/x', hiddenSize: 768, layers: 12, heads: 12, intermediateSize: 3072, vocabSize: 250_002 };
const MODELS = [
  { ...base, name: 'xlmr-base', maxTokens: 512, hasPooler: false },
  { ...base, name: 'short', maxTokens: 62, hasPooler: true },
];

const resolveTrainingInput = (input: TrainingRunInputData, datasets: DatasetInfo[], models: typeof MODELS = []) =>
  resolveWithCaps(input, datasets, models, DEFAULT_TRAINING_CAPS.admin);

/** Asserts a BAD_USER_INPUT naming `field` and `value`, with both in the message. */
function rejects(input: TrainingRunInputData, field: string, value: unknown, fragment?: RegExp) {
  assert.throws(
    () => resolveTrainingInput(input, DATASETS, MODELS),
    (error: unknown) => {
      assert.ok(error instanceof GraphQLError, `expected a GraphQLError, got ${String(error)}`);
      assert.equal(error.extensions.code, 'BAD_USER_INPUT');
      assert.equal(error.extensions.field, field);
      assert.deepEqual(error.extensions.value, value);
      assert.ok(error.message.startsWith(`${field}: `), error.message);
      if (fragment) assert.match(error.message, fragment);
      return true;
    },
  );
}

describe('resolveTrainingInput', () => {
  test('an empty input takes every default from schema/training.ts', () => {
    const { spec, experimentId, idempotencyKey } = resolveTrainingInput({}, DATASETS);
    assert.equal(spec.strategy, DEFAULT_TRAINING.strategy);
    assert.equal(spec.alpha, DEFAULT_TRAINING.alpha);
    assert.deepEqual(spec.trainDatasets, DEFAULT_TRAINING.trainDatasets);
    assert.deepEqual(spec.languages, DEFAULT_TRAINING.languages);
    assert.equal(spec.seed, DEFAULT_TRAINING.seed);
    assert.deepEqual(spec.evaluationSuites, DEFAULT_TRAINING.evaluationSuites);
    assert.deepEqual(spec.model, DEFAULT_MODEL);
    assert.deepEqual(spec.hyperParameters, DEFAULT_HYPER_PARAMETERS);
    assert.equal(experimentId, null);
    assert.equal(idempotencyKey, null);
  });

  test('given values override defaults, and MONO/CROSS imply alpha', () => {
    const mono = resolveTrainingInput({ strategy: 'MONO', languages: ['de'], steps: 7, batchSize: 2 }, DATASETS).spec;
    assert.equal(mono.alpha, 1);
    assert.deepEqual(mono.languages, ['de']);
    assert.equal(mono.hyperParameters.steps, 7);
    assert.equal(mono.hyperParameters.warmupSteps, 6, 'default warmup is capped below steps');
    assert.equal(mono.hyperParameters.logEvery, 5);
    const cross = resolveTrainingInput({ strategy: 'CROSS', alpha: 0, trainDatasets: ['mlqa-r', 'xquad-r'] }, DATASETS).spec;
    assert.equal(cross.alpha, 0);
    assert.deepEqual(cross.trainDatasets, ['mlqa-r', 'xquad-r']);
  });

  test('a transformer with its layers is accepted', () => {
    const { model } = resolveTrainingInput({ model: { family: 'TRANSFORMER', layers: 2, dimension: 128, heads: 4, pooling: 'CLS' } }, DATASETS).spec;
    assert.deepEqual(model, { ...DEFAULT_MODEL, family: 'TRANSFORMER', layers: 2, dimension: 128, heads: 4, pooling: 'CLS' });
  });

  test('alpha outside [0, 1] or contradicting the strategy', () => {
    rejects({ alpha: 1.5 }, 'input.alpha', 1.5, /^input\.alpha: 1\.5 is not in \[0, 1\]$/);
    rejects({ alpha: -0.1 }, 'input.alpha', -0.1);
    rejects({ alpha: Number.NaN }, 'input.alpha', Number.NaN);
    rejects({ strategy: 'MONO', alpha: 0.5 }, 'input.alpha', 0.5, /MONO/);
    rejects({ strategy: 'CROSS', alpha: 1 }, 'input.alpha', 1, /CROSS/);
  });

  test('strategy and enum-like model fields', () => {
    rejects({ strategy: 'RANDOM' }, 'input.strategy', 'RANDOM', /MONO, CROSS, HYBRID/);
    rejects({ model: { family: 'LSTM' } }, 'input.model.family', 'LSTM');
    rejects({ model: { pooling: 'MAX' } }, 'input.model.pooling', 'MAX');
  });

  test('training datasets must exist, have files, be parallel and not repeat', () => {
    rejects({ trainDatasets: [] }, 'input.trainDatasets', []);
    rejects({ trainDatasets: ['mlqa-r', 'nope'] }, 'input.trainDatasets[1]', 'nope', /not a known dataset/);
    rejects({ trainDatasets: ['bucc2018'], strategy: 'MONO', languages: ['en'] }, 'input.trainDatasets[0]', 'bucc2018', /BITEXT dataset.*trainable: mlqa-r, xquad-r, pawsx, my-pairs/);
    rejects({ trainDatasets: ['ntrex128'] }, 'input.trainDatasets[0]', 'ntrex128', /no files/);
    rejects({ trainDatasets: ['mlqa-r', 'mlqa-r'] }, 'input.trainDatasets[1]', 'mlqa-r', /twice/);
  });

  test('several datasets: every language in one of them, every dataset with one of the languages', () => {
    const { spec } = resolveTrainingInput({ trainDatasets: ['xquad-r', 'mlqa-r'], languages: ['en', 'el'] }, DATASETS);
    assert.deepEqual(spec.languages, ['en', 'el']);
    rejects({ trainDatasets: ['xquad-r', 'mlqa-r'], languages: ['en', 'fr'] }, 'input.languages[1]', 'fr', /any of datasets xquad-r \(has .*\), mlqa-r/);
    rejects({ trainDatasets: ['mlqa-r', 'my-pairs'], languages: ['ar', 'de'] }, 'input.languages', ['ar', 'de'], /none of the languages of dataset my-pairs/);
  });

  test('languages must be codes present in the one chosen dataset, two or more unless MONO', () => {
    rejects({ languages: ['en', 'EN'] }, 'input.languages[1]', 'EN', /ISO 639-1/);
    rejects({ languages: ['en', 'eng'] }, 'input.languages[1]', 'eng');
    rejects({ languages: ['en', 'fr'] }, 'input.languages[1]', 'fr', /mlqa-r/);
    rejects({ languages: ['en', 'en'] }, 'input.languages[1]', 'en', /twice/);
    rejects({ strategy: 'HYBRID', languages: ['en'] }, 'input.languages', ['en'], /at least 2/);
    rejects({ strategy: 'CROSS', languages: ['en'] }, 'input.languages', ['en'], /at least 2/);
    rejects({ strategy: 'MONO', languages: [] }, 'input.languages', [], /at least 1/);
  });

  test('hyper-parameter ranges', () => {
    rejects({ steps: 0 }, 'input.steps', 0);
    rejects({ steps: 1_000_001 }, 'input.steps', 1_000_001);
    rejects({ steps: 2.5 }, 'input.steps', 2.5, /not an integer/);
    rejects({ batchSize: 1 }, 'input.batchSize', 1);
    rejects({ batchSize: 4097 }, 'input.batchSize', 4097);
    rejects({ learningRate: 0 }, 'input.learningRate', 0, /\(0, 1\]/);
    rejects({ learningRate: 1.01 }, 'input.learningRate', 1.01);
    rejects({ weightDecay: -1 }, 'input.weightDecay', -1);
    rejects({ steps: 10, warmupSteps: 10 }, 'input.warmupSteps', 10);
    rejects({ scale: 0 }, 'input.scale', 0);
    rejects({ steps: 10, logEvery: 11 }, 'input.logEvery', 11);
    rejects({ seed: 1.5 }, 'input.seed', 1.5, /not an integer/);
    rejects({ seed: -1 }, 'input.seed', -1);
  });

  test('model ranges and family consistency', () => {
    rejects({ model: { dimension: 4 } }, 'input.model.dimension', 4);
    rejects({ model: { maxLength: 3 } }, 'input.model.maxLength', 3, /\[4, 512\]/);
    rejects({ model: { maxLength: 513 } }, 'input.model.maxLength', 513);
    rejects({ model: { vocabularySize: 15 } }, 'input.model.vocabularySize', 15, /\[16, 262144\]/);
    rejects({ model: { vocabularySize: 262_145 } }, 'input.model.vocabularySize', 262_145);
    rejects({ model: { heads: 0 } }, 'input.model.heads', 0);
    rejects({ model: { family: 'BAG_OF_SUBWORDS', layers: 2 } }, 'input.model.layers', 2, /BAG_OF_SUBWORDS/);
    rejects({ model: { family: 'BAG_OF_SUBWORDS', pooling: 'CLS' } }, 'input.model.pooling', 'CLS');
    rejects({ model: { family: 'TRANSFORMER' } }, 'input.model.layers', null, /required for TRANSFORMER/);
    rejects({ model: { family: 'TRANSFORMER', layers: 49 } }, 'input.model.layers', 49);
    rejects({ model: { family: 'TRANSFORMER', layers: 2, dimension: 100, heads: 3 } }, 'input.model.heads', 3, /divide/);
  });

  test('tokenizer and feed-forward width: defaults, accepted values and ranges', () => {
    const { model } = resolveTrainingInput(
      { model: { tokenizer: 'HASHED', ffnDimension: 8192, maxLength: 512, vocabularySize: 16 } },
      DATASETS,
    ).spec;
    assert.equal(model.tokenizer, 'HASHED');
    assert.equal(model.ffnDimension, 8192);
    assert.equal(model.maxLength, 512);
    assert.equal(model.vocabularySize, 16);
    assert.equal(resolveTrainingInput({ model: { vocabularySize: 262_144 } }, DATASETS).spec.model.vocabularySize, 262_144);
    rejects({ model: { tokenizer: 'BPE' } }, 'input.model.tokenizer', 'BPE', /XLM_R, HASHED/);
    rejects({ model: { ffnDimension: 0 } }, 'input.model.ffnDimension', 0, /\[1, 8192\]/);
    rejects({ model: { ffnDimension: 8193 } }, 'input.model.ffnDimension', 8193);
    rejects({ model: { ffnDimension: 2.5 } }, 'input.model.ffnDimension', 2.5, /not an integer/);
  });

  test('loss, clipping, validation, early stopping and checkpoint options', () => {
    const hp = resolveTrainingInput(
      { symmetricLoss: true, gradientClipNorm: 0, validationFraction: 0.49, validateEvery: 1, earlyStoppingPatience: 3, checkpointEvery: 7 },
      DATASETS,
    ).spec.hyperParameters;
    assert.deepEqual(hp, {
      ...DEFAULT_HYPER_PARAMETERS,
      symmetricLoss: true, gradientClipNorm: 0, validationFraction: 0.49, validateEvery: 1, earlyStoppingPatience: 3, checkpointEvery: 7,
    });
    assert.equal(resolveTrainingInput({ validationFraction: 0 }, DATASETS).spec.hyperParameters.validationFraction, 0);

    rejects({ gradientClipNorm: -0.1 }, 'input.gradientClipNorm', -0.1, /0 turns clipping off/);
    rejects({ gradientClipNorm: Number.POSITIVE_INFINITY }, 'input.gradientClipNorm', Number.POSITIVE_INFINITY);
    rejects({ gradientClipNorm: Number.NaN }, 'input.gradientClipNorm', Number.NaN);
    rejects({ validationFraction: 0.5 }, 'input.validationFraction', 0.5, /\[0, 0\.5\)/);
    rejects({ validationFraction: -0.01 }, 'input.validationFraction', -0.01);
    rejects({ validateEvery: 0 }, 'input.validateEvery', 0);
    rejects({ validateEvery: 1.5 }, 'input.validateEvery', 1.5, /not an integer/);
    rejects({ checkpointEvery: 0 }, 'input.checkpointEvery', 0);
    rejects({ checkpointEvery: -5 }, 'input.checkpointEvery', -5);
    rejects({ earlyStoppingPatience: -1 }, 'input.earlyStoppingPatience', -1);
    rejects({ earlyStoppingPatience: 0.5 }, 'input.earlyStoppingPatience', 0.5, /not an integer/);
    rejects({ earlyStoppingPatience: 2, validationFraction: 0 }, 'input.earlyStoppingPatience', 2, /validationFraction/);
  });

  test('evaluation suites: known, not repeated, stored on the spec', () => {
    const { spec } = resolveTrainingInput({ trainDatasets: ['pawsx'], evaluationSuites: ['XQUAD_R', 'MLQA_R'], languages: ['en', 'de'] }, DATASETS);
    assert.deepEqual(spec.evaluationSuites, ['XQUAD_R', 'MLQA_R']);
    rejects({ evaluationSuites: ['XQUAD_R', 'XNLI_ALIGNMENT'] }, 'input.evaluationSuites[1]', 'XNLI_ALIGNMENT', /needs dataset xnli, which has no files/);
    rejects({ evaluationSuites: ['SQUAD'] }, 'input.evaluationSuites[0]', 'SQUAD', /XQUAD_R, MLQA_R, XNLI_ALIGNMENT$/);
    rejects({ evaluationSuites: ['BUCC2018'] }, 'input.evaluationSuites[0]', 'BUCC2018', /is not one of XQUAD_R, MLQA_R, XNLI_ALIGNMENT$/);
    rejects({ evaluationSuites: ['XQUAD_R', 'XQUAD_R'] }, 'input.evaluationSuites[1]', 'XQUAD_R', /twice/);
  });

  test('training on the dataset of an evaluation suite is refused as leakage', () => {
    rejects(
      { trainDatasets: ['mlqa-r', 'xquad-r'], evaluationSuites: ['XQUAD_R'] },
      'input.trainDatasets',
      ['mlqa-r', 'xquad-r'],
      /training on "xquad-r" while evaluating on XQUAD_R leaks the evaluation set/,
    );
    rejects({ evaluationSuites: ['XQUAD_R', 'MLQA_R'] }, 'input.trainDatasets', DEFAULT_TRAINING.trainDatasets, /"mlqa-r" while evaluating on MLQA_R/);
  });

  test('an imported JSONL dataset is trainable and its own languages are checked', () => {
    const { spec } = resolveTrainingInput({ trainDatasets: ['my-pairs'], languages: ['fr', 'sw'], evaluationSuites: ['MLQA_R'] }, DATASETS);
    assert.deepEqual(spec.trainDatasets, ['my-pairs']);
    rejects({ trainDatasets: ['my-pairs'], languages: ['en', 'de'] }, 'input.languages[1]', 'de', /my-pairs \(has en, fr, sw\)/);
  });

  test('experiment id and idempotency key are passed through, and blank ones rejected', () => {
    const resolved = resolveTrainingInput({ experimentId: 'e1', idempotencyKey: 'k1' }, DATASETS);
    assert.equal(resolved.experimentId, 'e1');
    assert.equal(resolved.idempotencyKey, 'k1');
    rejects({ experimentId: ' ' }, 'input.experimentId', ' ');
    rejects({ idempotencyKey: '' }, 'input.idempotencyKey', '');
  });

  test('a registered base model sets the architecture; the run picks pooling and maxLength within its limits', () => {
    const { model } = resolveTrainingInput({ baseModel: 'xlmr-base' }, DATASETS, MODELS).spec;
    assert.deepEqual(model, {
      family: 'PRETRAINED', dimension: 768, layers: 12, heads: 12, maxLength: 128, vocabularySize: 250_002,
      pooling: 'MEAN', tokenizer: 'PRETRAINED', ffnDimension: 3072, pretrained: { name: 'xlmr-base', path: 'models/x' },
    });
    assert.equal(resolveTrainingInput({ baseModel: 'short' }, DATASETS, MODELS).spec.model.maxLength, 62, 'capped by the position table');
    assert.equal(resolveTrainingInput({ baseModel: 'short', model: { pooling: 'POOLER' } }, DATASETS, MODELS).spec.model.pooling, 'POOLER');
    rejects({ baseModel: 'nope' }, 'input.baseModel', 'nope', /registered: xlmr-base, short/);
    rejects({ baseModel: 'xlmr-base', model: { pooling: 'POOLER' } }, 'input.model.pooling', 'POOLER', /lacks/);
    rejects({ baseModel: 'short', model: { maxLength: 63 } }, 'input.model.maxLength', 63);
    rejects({ baseModel: 'xlmr-base', model: { layers: 2 } }, 'input.model.layers', 2, /set by the registered model/);
    rejects({ baseModel: 'xlmr-base', model: { family: 'TRANSFORMER' } }, 'input.model.family', 'TRANSFORMER');
    rejects({ model: { family: 'PRETRAINED' } }, 'input.baseModel', null);
    rejects({ model: { tokenizer: 'PRETRAINED' } }, 'input.model.tokenizer', 'PRETRAINED');
  });
});

describe('recipe', () => {
  const available = DATASETS.map((d) => (d.name === 'ntrex128' ? dataset('ntrex128', RECIPES.CPU_DEFAULT.languages, { kind: 'PARALLEL_SENTENCES', evaluation: false }) : d));
  test('CPU_DEFAULT fills every field the input leaves out; given fields win, model fields one by one', () => {
    const { spec } = resolveWithCaps({ recipe: 'CPU_DEFAULT', evaluationSuites: ['XQUAD_R'] }, available.filter((d) => d.name !== 'xquad-r').concat(dataset('xquad-r', [...RECIPES.CPU_DEFAULT.languages])), [], DEFAULT_TRAINING_CAPS.trainer);
    const recipe = RECIPES.CPU_DEFAULT;
    assert.deepEqual(
      [spec.strategy, spec.alpha, spec.trainDatasets, spec.languages, spec.seed, spec.evaluationSuites],
      [recipe.strategy, recipe.alpha, recipe.trainDatasets, recipe.languages, recipe.seed, ['XQUAD_R']],
    );
    assert.deepEqual(spec.model, recipe.model);
    assert.deepEqual(spec.hyperParameters, recipe.hyperParameters);
    const changed = resolveWithCaps({ recipe: 'CPU_DEFAULT', steps: 100, model: { dimension: 64 }, languages: ['en', 'de'] }, available, [], DEFAULT_TRAINING_CAPS.trainer).spec;
    assert.deepEqual([changed.hyperParameters.steps, changed.hyperParameters.batchSize, changed.model.dimension, changed.model.vocabularySize, changed.languages], [100, 128, 64, 32768, ['en', 'de']]);
  });
  test('on the demo bundle (no MLQA-R) the recipe trains on the sources the sample has; elsewhere a missing source is refused; named sources are kept as named', () => {
    const withoutMlqa = available.map((d) => (d.name === 'mlqa-r' ? { ...d, available: false } : d));
    assert.throws(
      () => resolveWithCaps({ recipe: 'CPU_DEFAULT', evaluationSuites: ['XQUAD_R'] }, withoutMlqa, [], DEFAULT_TRAINING_CAPS.trainer),
      (error: unknown) => error instanceof GraphQLError && error.extensions.field === 'input.trainDatasets[0]' && /has no files/.test(error.message),
      'a full data folder missing MLQA-R: pull it',
    );
    const demo = withoutMlqa.map((d) => (d.name === 'ntrex128' ? { ...d, sample: true } : d));
    const { spec } = resolveWithCaps({ recipe: 'CPU_DEFAULT', evaluationSuites: ['XQUAD_R'] }, demo, [], DEFAULT_TRAINING_CAPS.trainer);
    assert.deepEqual(spec.trainDatasets, ['ntrex128']);
    assert.throws(
      () => resolveWithCaps({ recipe: 'CPU_DEFAULT', trainDatasets: ['mlqa-r', 'ntrex128'] }, demo, [], DEFAULT_TRAINING_CAPS.trainer),
      (error: unknown) => error instanceof GraphQLError && error.extensions.field === 'input.trainDatasets[0]' && /has no files/.test(error.message),
    );
    const none = demo.map((d) => (d.name === 'ntrex128' ? { ...d, available: false } : d));
    assert.throws(
      () => resolveWithCaps({ recipe: 'CPU_DEFAULT' }, none, [], DEFAULT_TRAINING_CAPS.trainer),
      (error: unknown) => error instanceof GraphQLError && error.extensions.field === 'input.trainDatasets[0]',
      'with none of its sources, the first is named as missing',
    );
  });
  test('an unknown recipe, or a recipe with a baseModel, is refused by field', () => {
    rejects({ recipe: 'GPU_HUGE' }, 'input.recipe', 'GPU_HUGE', /is not a recipe \(CPU_DEFAULT\)/);
    rejects({ recipe: 'CPU_DEFAULT', baseModel: 'xlmr-base' }, 'input.recipe', 'CPU_DEFAULT', /cannot start from a baseModel/);
  });
});
