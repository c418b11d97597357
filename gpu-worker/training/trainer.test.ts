import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { JobError } from '../../schema/jobs.js';
import { NATIVE_BACKEND, registerNativeBackend } from '../encoding/native/backend.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, type HyperParameters, type TrainingSpec } from '../../schema/training.js';
import { checkpointContents, stateFromCheckpoint } from './checkpoint-state.js';
import { loadCheckpoint, loadTrainingTensors, saveCheckpoint } from '../encoding/checkpoint.js';
import { createRandom } from './random.js';
import { splitGroups } from './sampler-split.js';
import type { ParallelSource } from './sampler.js';
import type { PairText } from './trainer-batch.js';
import { pipelineModels } from './trainer-model.js';
import { train, type LogPoint, type TrainOptions, type TrainResult, type TrainState } from './trainer.js';

// HASHED tokenizers need no model files.
const models = pipelineModels(path.join(os.tmpdir(), 'no-models-needed'));

/** Two "languages" whose parallel pairs share only their content words, as names are shared by translations. */
function syntheticSource(groups: number): ParallelSource<PairText> {
  const syllables = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vo', 'bel', 'dri', 'ng', 'pha', 'zu', 'qe', 'xo'];
  const random = createRandom(1);
  const word = () => Array.from({ length: 3 }, () => syllables[random.int(syllables.length)]).join('');
  return {
    name: 'synthetic',
    groups: Array.from({ length: groups }, (_, i) => {
      const [a, b] = [word(), word()];
      return {
        id: `g${i}`,
        items: new Map<string, PairText>([
          ['aa', { query: `what is ${a} ${b}`, passage: `the ${b} of ${a} is here` }],
          ['bb', { query: `was ist ${a} ${b}`, passage: `die ${b} von ${a} ist hier` }],
        ]),
      };
    }),
  };
}

const spec = (overrides: Partial<HyperParameters> = {}): TrainingSpec => ({
  strategy: 'HYBRID',
  alpha: 0.5,
  trainDatasets: ['synthetic'],
  languages: ['aa', 'bb'],
  seed: 3,
  evaluationSuites: [],
  model: { ...DEFAULT_MODEL, dimension: 16, vocabularySize: 1024, maxLength: 16, tokenizer: 'HASHED' },
  hyperParameters: {
    ...DEFAULT_HYPER_PARAMETERS,
    steps: 30,
    batchSize: 8,
    learningRate: 0.02,
    warmupSteps: 4,
    logEvery: 5,
    validationFraction: 0,
    ...overrides,
  },
});

interface RunOptions {
  source?: ParallelSource<PairText>;
  onPoint?: (point: LogPoint) => void;
  signal?: AbortSignal;
  onCheckpoint?: (state: TrainState) => Promise<void>;
  onEvaluate?: TrainOptions['onEvaluate'];
  resume?: TrainState;
  afterValidation?: TrainOptions['afterValidation'];
}

async function run(trainingSpec: TrainingSpec, options: RunOptions = {}) {
  const points: LogPoint[] = [];
  const result = await train({
    spec: trainingSpec,
    sources: [options.source ?? syntheticSource(40)],
    signal: options.signal ?? new AbortController().signal,
    models,
    onLog: async (point) => {
      points.push(point);
      options.onPoint?.(point);
    },
    ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
    ...(options.onEvaluate ? { onEvaluate: options.onEvaluate } : {}),
    ...(options.resume ? { resume: options.resume } : {}),
    ...(options.afterValidation ? { afterValidation: options.afterValidation } : {}),
  });
  return { result, points };
}

const completed = (result: TrainResult) => {
  assert.equal(result.kind, 'completed');
  return result as Extract<TrainResult, { kind: 'completed' }>;
};

test('a tiny run learns: the loss falls, and tensors do not accumulate', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const { result, points } = await run(spec(), { onPoint: () => counts.push(tf.memory().numTensors) });
  assert.deepEqual(points.map((p) => p.step), [5, 10, 15, 20, 25, 30]);
  const first = points[0]!.loss;
  const last = points.at(-1)!.loss;
  // Chance level with 8 candidates is ln 8 = 2.08.
  assert.ok(last < first / 4 && last < 0.3, `loss ${points.map((p) => p.loss.toFixed(3)).join(' -> ')}`);
  assert.ok(new Set(counts).size === 1, `tensor count per log point: ${counts.join(', ')}`);
  assert.equal(tf.memory().numTensors, before, 'all tensors released at the end');
  for (const p of points) {
    assert.equal(p.totalSteps, 30);
    assert.ok(p.pairsPerSecond > 0 && p.learningRate > 0);
    assert.equal(Object.values(p.batchComposition).reduce((a, b) => a + b, 0), 8);
    assert.equal(p.validationLoss, undefined, 'no validation set, no validation loss');
  }
  const done = completed(result);
  assert.equal(done.step, 30);
  assert.equal(done.loss, last);
  assert.equal(done.validation, null);
  assert.deepEqual(done.weights.map((w) => [w.name, w.shape]), [['embedding', [1024, 16]]]);
  assert.equal(done.weights[0]!.values.length, 1024 * 16);
});

test('on native-cpu the same run follows the same losses, and neither tensors nor pooled arrays accumulate', async (t) => {
  const registered = registerNativeBackend();
  if (!registered.ok) return t.skip(`native kernels unavailable: ${registered.reason}`);
  await tf.setBackend('cpu');
  const reference = await run(spec());
  await tf.setBackend(NATIVE_BACKEND);
  const pool = (tf.backend() as unknown as { pool: { bytesFree: number } }).pool;
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const pooled: number[] = [];
  const { points } = await run(spec(), { onPoint: () => (counts.push(tf.memory().numTensors), pooled.push(pool.bytesFree)) });
  assert.ok(new Set(counts).size === 1, `tensor count per log point: ${counts.join(', ')}`);
  assert.equal(tf.memory().numTensors, before);
  // Each step frees what the previous one took: the pool holds about one step's arrays, not more each step.
  assert.ok(pooled[0]! > 0 && pooled.every((b) => b <= pooled[0]! * 1.5), `pooled bytes per log point: ${pooled.join(', ')}`);
  points.forEach((p, i) => assert.ok(Math.abs(p.loss - reference.points[i]!.loss) <= 1e-4 * Math.max(1, reference.points[i]!.loss), `step ${p.step}: ${p.loss} against ${reference.points[i]!.loss}`));
  await tf.setBackend('cpu');
});

test('training is deterministic for a seed', async () => {
  const a = await run(spec({ steps: 10 }));
  const b = await run(spec({ steps: 10 }));
  assert.deepEqual(a.points.map((p) => [p.loss, p.batchComposition]), b.points.map((p) => [p.loss, p.batchComposition]));
});

test('the validation loss is computed every validateEvery steps and at the end, on held-out groups, and falls', async () => {
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const { result, points } = await run(spec({ steps: 30, validationFraction: 0.25, validateEvery: 12 }), { onPoint: () => counts.push(tf.memory().numTensors) });
  const validated = points.filter((p) => p.validationLoss !== undefined);
  assert.deepEqual(validated.map((p) => p.step), [12, 24, 30]);
  assert.deepEqual(points.map((p) => p.step), [5, 10, 12, 15, 20, 24, 25, 30], 'validation steps are log points too');
  const losses = validated.map((p) => p.validationLoss!);
  // Held-out groups share no words with training ones: they improve only through shared syllables' trigrams.
  assert.ok(losses.at(-1)! < losses[0]!, `validation ${losses.map((l) => l.toFixed(3)).join(' -> ')}`);
  assert.ok(new Set(counts).size === 1, `tensor count per log point: ${counts.join(', ')}`);
  assert.equal(tf.memory().numTensors, before);
  const done = completed(result);
  const bestStep = validated.reduce((a, b) => (b.validationLoss! < a.validationLoss! ? b : a)).step;
  // Without early stopping the run keeps its last weights, so their loss is the last one.
  assert.deepEqual(done.validation, { loss: losses.at(-1), bestStep, earlyStopped: false });
});

/** The held-out groups' passages are rotated: each validation query's true positive is another row's passage. */
function misleadingValidation(hp: Partial<HyperParameters>) {
  const source = syntheticSource(40);
  const held = splitGroups(source, { fraction: hp.validationFraction!, seed: 3, languages: ['aa', 'bb'] }).validation.groups;
  const heldIds = held.map((g) => g.id);
  const groups = source.groups.map((g) => {
    const k = heldIds.indexOf(g.id);
    if (k < 0) return g;
    const next = held[(k + 1) % held.length]!;
    return { id: g.id, items: new Map([...g.items].map(([l, item]) => [l, { query: item.query, passage: next.items.get(l)!.passage }])) };
  });
  return { name: 'synthetic', groups };
}

test('onEvaluate runs at the validation steps, with or without a validation set, and its snapshot rides on the log point', async () => {
  const calls: number[] = [];
  const { points } = await run(spec({ steps: 14, logEvery: 4, validateEvery: 6 }), {
    onEvaluate: async (step, model) => {
      calls.push(step);
      const norms = tf.tidy(() => tf.norm(model.embed(['what is kalomi', 'the kalomi']), 'euclidean', 1).arraySync() as number[]);
      assert.ok(norms.every((n) => Math.abs(n - 1) < 1e-4), 'the model as it is at that step');
      return step === 12 ? undefined : { suite: 'MLQA_R', headlines: { 'mono.map': step / 100 } };
    },
  });
  assert.deepEqual(calls, [6, 12, 14]);
  assert.deepEqual(points.map((p) => [p.step, p.validation?.headlines['mono.map']]), [[4, undefined], [6, 0.06], [8, undefined], [12, undefined], [14, 0.14]]);
  assert.ok(points.every((p) => p.validationLoss === undefined), 'validationFraction 0: no validation loss');
});

test('early stopping ends the run after `patience` validations without improvement and returns the best weights', async () => {
  const hp = { steps: 60, validationFraction: 0.2, validateEvery: 4, earlyStoppingPatience: 2, checkpointEvery: 4 };
  const saved = new Map<number, TrainState>();
  const { result, points } = await run(spec(hp), {
    source: misleadingValidation(hp),
    onCheckpoint: async (state) => void saved.set(state.step, state),
  });
  const validated = points.filter((p) => p.validationLoss !== undefined).map((p) => [p.step, p.validationLoss!] as const);
  const done = completed(result);
  const best = validated.reduce((a, b) => (b[1] < a[1] ? b : a));
  assert.ok(done.step < 60, `stopped early at ${done.step}; validation ${JSON.stringify(validated)}`);
  assert.deepEqual(done.validation, { loss: best[1], bestStep: best[0], earlyStopped: true });
  assert.equal(validated.at(-1)![0], best[0] + 2 * 4, 'two validations without improvement, then stop');
  assert.equal(points.at(-1)!.step, done.step);
  assert.deepEqual(done.weights[0]!.values, saved.get(best[0])!.weights[0]!.values, 'the weights of the best step');
  assert.ok(!saved.has(done.step), 'no resumable checkpoint at the stopping step');
});

test('afterValidation sees every validation loss before the last step and stops the run where it says so (a sweep\'s median rule)', async () => {
  const seen: Array<[number, number]> = [];
  const { result, points } = await run(spec({ steps: 40, validationFraction: 0.25, validateEvery: 8 }), {
    afterValidation: async (step, loss) => {
      seen.push([step, loss]);
      return step === 16;
    },
  });
  const done = completed(result);
  assert.equal(done.step, 16);
  assert.equal(done.stopReason, 'MEDIAN_RULE');
  assert.equal(done.validation?.earlyStopped, true);
  assert.deepEqual(seen, points.filter((p) => p.validationLoss !== undefined).map((p) => [p.step, p.validationLoss]));
  assert.equal(points.at(-1)!.step, 16, 'the stopping step is logged');
  const straight = completed((await run(spec({ steps: 40, validationFraction: 0.25, validateEvery: 8 }), { afterValidation: async () => false })).result);
  assert.equal(straight.step, 40);
  assert.equal(straight.stopReason, null);
});

test('a run interrupted after a checkpoint and resumed from its files ends with the same weights as a straight run', async () => {
  const hp = { steps: 24, validationFraction: 0.2, validateEvery: 6, earlyStoppingPatience: 50, checkpointEvery: 8, logEvery: 2, symmetricLoss: true, gradientClipNorm: 0.5 };
  const straight = await run(spec(hp));

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-resume-'));
  try {
    const controller = new AbortController();
    const first = await run(spec(hp), {
      signal: controller.signal,
      onPoint: (p) => p.step === 14 && controller.abort(),
      onCheckpoint: async (state) => {
        const { training, weights } = checkpointContents(state);
        const info = { step: state.step, model: spec().model, tokenizer: state.pipeline, queryPrefix: 'Q', passagePrefix: 'P', backend: 'cpu', metrics: {}, training };
        await saveCheckpoint(path.join(dir, `step-${state.step}`), info, weights);
      },
    });
    assert.deepEqual(first.result, { kind: 'aborted', step: 14 });
    assert.deepEqual(await fs.readdir(dir), ['step-8'], 'one checkpoint, at step 8, and no temporary folder');

    const { manifest, weights } = await loadCheckpoint(path.join(dir, 'step-8'));
    const tensors = await loadTrainingTensors(path.join(dir, 'step-8'), manifest);
    const resumed = await run(spec(hp), { resume: stateFromCheckpoint(manifest, weights, tensors) });
    const a = completed(straight.result);
    const b = completed(resumed.result);
    assert.equal(b.step, 24);
    assert.deepEqual(b.weights.map((w) => w.name), a.weights.map((w) => w.name));
    const maxDifference = Math.max(...a.weights[0]!.values.map((v, i) => Math.abs(v - b.weights[0]!.values[i]!)));
    assert.ok(maxDifference < 1e-6, `largest weight difference ${maxDifference}`);
    assert.deepEqual(b.validation, a.validation);
    // The same batches in the same order: every point after the checkpoint matches.
    const after = (points: LogPoint[]) => points.filter((p) => p.step > 8).map((p) => [p.step, p.loss.toFixed(6), p.batchComposition, p.validationLoss?.toFixed(6)]);
    assert.deepEqual(after(resumed.points), after(straight.points));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('an aborted signal stops training before the next step and releases its tensors', async () => {
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  const { result, points } = await run(spec(), { onPoint: () => controller.abort(), signal: controller.signal });
  assert.deepEqual(result, { kind: 'aborted', step: 5 });
  assert.equal(points.length, 1);
  assert.equal(tf.memory().numTensors, before);
});

test('a tiny transformer trains through the same loop', async () => {
  const transformer: TrainingSpec = {
    ...spec({ steps: 30, learningRate: 0.01 }),
    model: { ...DEFAULT_MODEL, family: 'TRANSFORMER', layers: 1, heads: 2, dimension: 16, ffnDimension: 32, maxLength: 24, vocabularySize: 1024, pooling: 'MEAN', tokenizer: 'HASHED' },
  };
  const before = tf.memory().numTensors;
  const { result, points } = await run(transformer);
  const done = completed(result);
  assert.ok(done.weights.some((w) => w.name.startsWith('layers.0.attention')), done.weights.map((w) => w.name).join(', '));
  assert.ok(points.at(-1)!.loss < points[0]!.loss / 2, `loss ${points.map((p) => p.loss.toFixed(3)).join(' -> ')}`);
  assert.equal(tf.memory().numTensors, before);
});
