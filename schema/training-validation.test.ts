import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { transformerWeightSpecs } from '../gpu-worker/encoding/transformer.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, type ModelSpec } from './training.js';
import {
  DEFAULT_TRAINING_CAPS,
  checkpointBytes,
  describeIssue,
  estimateParameters,
  inputField,
  issueValue,
  storedTrainingSpecSchema,
  trainingInputSchema,
  type BaseModel,
  type TrainingCaps,
  type TrainingRunInputData,
} from './training-validation.js';

const { admin, trainer } = DEFAULT_TRAINING_CAPS;

/** The first issue as the gateway reports it, or null when the input is accepted. */
function firstIssue(input: TrainingRunInputData, caps: TrainingCaps = admin, base?: BaseModel) {
  const parsed = trainingInputSchema({ caps, ...(base ? { base } : {}) }).safeParse(input, { reportInput: true });
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  return { field: inputField(issue), value: issueValue(issue), message: issue.message };
}

const PROBE_7_5B = { family: 'TRANSFORMER', layers: 48, dimension: 4096, vocabularySize: 262_144, heads: 64, ffnDimension: 8192 } as const;
const HASHED_134M = { family: 'BAG_OF_SUBWORDS', tokenizer: 'HASHED', vocabularySize: 262_144, dimension: 512 } as const;

describe('parameter estimate', () => {
  test('a TRANSFORMER counts exactly the weights the encoder creates', () => {
    const model: ModelSpec = { ...DEFAULT_MODEL, family: 'TRANSFORMER', layers: 3, dimension: 48, heads: 4, ffnDimension: 96, maxLength: 20, vocabularySize: 500 };
    const weights = transformerWeightSpecs(model, { rows: model.vocabularySize, seed: 1 });
    const counted = weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(estimateParameters(model), counted);
  });

  test('the 7.5B probe, a bag of subwords, and a registered model with its own count', () => {
    const probe = estimateParameters({ ...DEFAULT_MODEL, ...PROBE_7_5B });
    assert.ok(probe > 7.4e9 && probe < 7.6e9, String(probe));
    assert.equal(estimateParameters({ ...DEFAULT_MODEL, ...HASHED_134M }), 134_217_728);
    const xlmr: ModelSpec = { ...DEFAULT_MODEL, family: 'PRETRAINED', tokenizer: 'PRETRAINED', dimension: 768, layers: 12, heads: 12, ffnDimension: 3072, vocabularySize: 250_002, maxLength: 128 };
    assert.equal(estimateParameters(xlmr, { parameters: 278_043_648 }), 278_043_648);
    const estimated = estimateParameters(xlmr);
    assert.ok(Math.abs(estimated - 278_043_648) / 278_043_648 < 0.05, `without a count the architecture gives ${estimated}`);
    assert.equal(checkpointBytes(134_217_728, 3), 134_217_728 * 12 * 3);
  });
});

describe('caps', () => {
  test('the 7.5B probe is refused for admin and trainer, on input.model, naming the estimate and the cap', () => {
    for (const [role, caps] of [['admin', admin], ['trainer', trainer]] as const) {
      const issue = firstIssue({ model: PROBE_7_5B }, caps);
      assert.equal(issue?.field, 'input.model', role);
      assert.equal((issue?.value as ModelSpec).layers, 48);
      assert.match(issue!.message, /^has 7\.5\dB parameters \(\d+, estimated\), over the cap of (1\.2B|300M) per run$/);
    }
  });

  test('steps and batch size caps differ by role', () => {
    assert.equal(firstIssue({ steps: 200_000 }, trainer), null);
    assert.deepEqual(firstIssue({ steps: 200_001 }, trainer), { field: 'input.steps', value: 200_001, message: 'is over the cap of 200000 steps per run' });
    assert.equal(firstIssue({ steps: 1_000_000 }, admin), null);
    assert.equal(firstIssue({ batchSize: 1024 }, trainer), null);
    assert.deepEqual(firstIssue({ batchSize: 1025 }, trainer), { field: 'input.batchSize', value: 1025, message: 'is over the cap of 1024 pairs per batch' });
    assert.equal(firstIssue({ batchSize: 4096 }, admin), null);
    // Over the absolute limit, the range is what is reported.
    assert.equal(firstIssue({ batchSize: 4097 }, admin)?.message, 'is not in [2, 4096]');
  });

  test('a 134M bag of subwords runs only with its checkpoint disk within the cap', () => {
    assert.equal(firstIssue({ model: HASHED_134M }, trainer), null, '3 checkpoints of 1.5 GiB fit in 8 GiB');
    assert.equal(firstIssue({ model: HASHED_134M, keepCheckpoints: 5 }, trainer), null);
    const over = firstIssue({ model: HASHED_134M, keepCheckpoints: 6 }, trainer);
    assert.equal(over?.field, 'input.keepCheckpoints');
    assert.equal(over?.value, 6);
    assert.match(over!.message, /^checkpoints at 1\.5 GiB per checkpoint \(134\.2M parameters × 12 bytes: weights and two Adam moments\) take 9 GiB, over the cap of 8 GiB per run; keep at most 5$/);
    assert.equal(firstIssue({ model: HASHED_134M, keepCheckpoints: 40 }, admin), null);
    const tiny = { ...trainer, maxCheckpointBytes: 2 ** 30 };
    const alone = firstIssue({ model: HASHED_134M, keepCheckpoints: 1 }, tiny);
    assert.equal(alone?.field, 'input.model', 'one checkpoint is the minimum: the model is what does not fit');
    assert.match(alone!.message, /over the checkpoint disk cap of 1 GiB per run$/);
  });

  test('a registered model is capped by its registered parameter count', () => {
    const base: BaseModel = { name: 'big', path: 'models/big', hiddenSize: 1024, layers: 24, heads: 16, intermediateSize: 4096, vocabSize: 250_002, maxTokens: 512, hasPooler: false };
    assert.equal(firstIssue({ baseModel: 'big', keepCheckpoints: 1 }, trainer, { ...base, parameters: 290_000_000 }), null);
    const issue = firstIssue({ baseModel: 'big', keepCheckpoints: 1 }, trainer, { ...base, parameters: 560_000_000 });
    assert.equal(issue?.field, 'input.model');
    assert.match(issue!.message, /^has 560M parameters/);
  });
});

describe('field paths', () => {
  test('every field of the input is reported under its own path, with its value', () => {
    const cases: Array<[TrainingRunInputData, string, unknown]> = [
      [{ strategy: 'RANDOM' }, 'input.strategy', 'RANDOM'],
      [{ alpha: 1.5 }, 'input.alpha', 1.5],
      [{ trainDatasets: [] }, 'input.trainDatasets', []],
      [{ trainDatasets: ['a', 'a'] }, 'input.trainDatasets[1]', 'a'],
      [{ evaluationSuites: ['SQUAD'] }, 'input.evaluationSuites[0]', 'SQUAD'],
      [{ languages: ['en', 'EN'] }, 'input.languages[1]', 'EN'],
      [{ languages: ['en'] }, 'input.languages', ['en']],
      [{ model: { family: 'LSTM' } }, 'input.model.family', 'LSTM'],
      [{ model: { dimension: 4 } }, 'input.model.dimension', 4],
      [{ model: { family: 'TRANSFORMER' } }, 'input.model.layers', null],
      [{ model: { heads: 65 } }, 'input.model.heads', 65],
      [{ model: { maxLength: 513 } }, 'input.model.maxLength', 513],
      [{ model: { vocabularySize: 15 } }, 'input.model.vocabularySize', 15],
      [{ model: { pooling: 'CLS' } }, 'input.model.pooling', 'CLS'],
      [{ model: { tokenizer: 'PRETRAINED' } }, 'input.model.tokenizer', 'PRETRAINED'],
      [{ model: { ffnDimension: 0 } }, 'input.model.ffnDimension', 0],
      [{ model: { family: 'PRETRAINED' } }, 'input.baseModel', null],
      [{ steps: 0 }, 'input.steps', 0],
      [{ batchSize: 1 }, 'input.batchSize', 1],
      [{ learningRate: 0 }, 'input.learningRate', 0],
      [{ weightDecay: 2 }, 'input.weightDecay', 2],
      [{ warmupSteps: 100 }, 'input.warmupSteps', 100],
      [{ scale: 1001 }, 'input.scale', 1001],
      [{ logEvery: 101 }, 'input.logEvery', 101],
      [{ gradientClipNorm: -1 }, 'input.gradientClipNorm', -1],
      [{ validationFraction: 0.5 }, 'input.validationFraction', 0.5],
      [{ validateEvery: 0 }, 'input.validateEvery', 0],
      [{ earlyStoppingPatience: 1, validationFraction: 0 }, 'input.earlyStoppingPatience', 1],
      [{ checkpointEvery: 0 }, 'input.checkpointEvery', 0],
      [{ keepCheckpoints: 0 }, 'input.keepCheckpoints', 0],
      [{ keepCheckpoints: 101 }, 'input.keepCheckpoints', 101],
      [{ seed: -1 }, 'input.seed', -1],
      [{ experimentId: '' }, 'input.experimentId', ''],
      [{ idempotencyKey: 'k'.repeat(201) }, 'input.idempotencyKey', 'k'.repeat(201)],
    ];
    for (const [input, field, value] of cases) {
      const issue = firstIssue(input);
      assert.ok(issue, `${JSON.stringify(input)} was accepted`);
      assert.equal(issue.field, field, JSON.stringify(input));
      assert.deepEqual(issue.value, value, JSON.stringify(input));
      assert.ok(issue.message.length > 0 && !/Invalid input/.test(issue.message), issue.message);
    }
  });

  test('a root other than input prefixes the path', () => {
    const parsed = trainingInputSchema({ caps: admin }).safeParse({ languages: ['en', 'EN'] }, { reportInput: true });
    assert.equal(inputField(parsed.error!.issues[0]!, 'input.runs[2]'), 'input.runs[2].languages[1]');
  });
});

describe('stored specs (the worker)', () => {
  const row = {
    strategy: 'CROSS', alpha: 0.5, trainDatasets: ['mlqa-r'], languages: ['en', 'de'], seed: 3,
    model: { family: 'TRANSFORMER', layers: 2, dimension: 32, heads: 4, unknown: true },
    hyperParameters: { steps: 4, batchSize: 8, checkpointEvery: null },
  };

  test('a row of an older version: defaults for what it lacks, keepCheckpoints 3, derived warmup and logging', () => {
    const spec = storedTrainingSpecSchema.parse(row);
    assert.equal(spec.alpha, 0, 'CROSS implies 0');
    assert.deepEqual(spec.model, { ...DEFAULT_MODEL, family: 'TRANSFORMER', layers: 2, dimension: 32, heads: 4 });
    assert.deepEqual(spec.hyperParameters, { ...DEFAULT_HYPER_PARAMETERS, steps: 4, batchSize: 8, warmupSteps: 3, logEvery: 4, keepCheckpoints: 3 });
    assert.deepEqual(spec.evaluationSuites, []);
  });

  test('what the gateway stores, the worker reads back unchanged', () => {
    const input = trainingInputSchema({ caps: admin }).parse({ model: { family: 'TRANSFORMER', layers: 2 }, keepCheckpoints: 7, evaluationSuites: ['XQUAD_R'] });
    const { spec } = input;
    assert.deepEqual(storedTrainingSpecSchema.parse({ ...spec, model: JSON.parse(JSON.stringify(spec.model)) }), spec);
  });

  test('invalid rows name the field and value', () => {
    const parsed = storedTrainingSpecSchema.safeParse({ ...row, hyperParameters: { keepCheckpoints: 2.5 } }, { reportInput: true });
    assert.equal(describeIssue(parsed.error!.issues[0]!), 'hyperParameters.keepCheckpoints: 2.5 is not an integer');
  });
});
