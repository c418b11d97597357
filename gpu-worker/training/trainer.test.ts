import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { JobError } from '../../schema/jobs.js';
import { DEFAULT_MODEL, type TrainingSpec } from '../../schema/training.js';
import type { QaPair } from './data.js';
import { createRandom } from './random.js';
import type { ParallelSource } from './sampler.js';
import { train, type LogPoint } from './trainer.js';

/** Two "languages" whose parallel pairs share only their content words, as names are shared by translations. */
function syntheticSource(groups: number): ParallelSource<QaPair> {
  const syllables = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vo', 'bel', 'dri', 'ng', 'pha', 'zu', 'qe', 'xo'];
  const random = createRandom(1);
  const word = () => Array.from({ length: 3 }, () => syllables[random.int(syllables.length)]).join('');
  return {
    name: 'synthetic',
    groups: Array.from({ length: groups }, (_, i) => {
      const [a, b] = [word(), word()];
      return {
        id: `g${i}`,
        items: new Map<string, QaPair>([
          ['aa', { question: `what is ${a} ${b}`, passage: `the ${b} of ${a} is here` }],
          ['bb', { question: `was ist ${a} ${b}`, passage: `die ${b} von ${a} ist hier` }],
        ]),
      };
    }),
  };
}

const spec = (overrides: Partial<TrainingSpec['hyperParameters']> = {}): TrainingSpec => ({
  strategy: 'HYBRID',
  alpha: 0.5,
  trainDatasets: ['synthetic'],
  languages: ['aa', 'bb'],
  seed: 3,
  model: { ...DEFAULT_MODEL, dimension: 16, vocabularySize: 1024, maxLength: 16 },
  hyperParameters: { steps: 30, batchSize: 8, learningRate: 0.02, weightDecay: 0.01, warmupSteps: 4, scale: 20, logEvery: 5, ...overrides },
});

async function run(trainingSpec: TrainingSpec, onPoint: (point: LogPoint) => void = () => {}, signal = new AbortController().signal) {
  const points: LogPoint[] = [];
  const result = await train({
    spec: trainingSpec,
    sources: [syntheticSource(40)],
    signal,
    onLog: async (point) => {
      points.push(point);
      onPoint(point);
    },
  });
  return { result, points };
}

test('a tiny run learns: the loss falls, and tensors do not accumulate', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  const { result, points } = await run(spec(), () => counts.push(tf.memory().numTensors));
  assert.equal(result.kind, 'completed');
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
  }
  if (result.kind === 'completed') {
    assert.equal(result.step, 30);
    assert.equal(result.loss, last);
    assert.deepEqual(result.weights.map((w) => [w.name, w.shape]), [['embedding', [1024, 16]]]);
    assert.equal(result.weights[0]!.values.length, 1024 * 16);
  }
});

test('training is deterministic for a seed', async () => {
  const a = await run(spec({ steps: 10 }));
  const b = await run(spec({ steps: 10 }));
  assert.deepEqual(a.points.map((p) => [p.loss, p.batchComposition]), b.points.map((p) => [p.loss, p.batchComposition]));
});

test('an aborted signal stops training before the next step and releases its tensors', async () => {
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  const { result, points } = await run(spec(), () => controller.abort(), controller.signal);
  assert.deepEqual(result, { kind: 'aborted', step: 5 });
  assert.equal(points.length, 1);
  assert.equal(tf.memory().numTensors, before);
});

test('models this worker cannot train are non-retryable failures', async () => {
  const transformer = { ...spec(), model: { ...spec().model, family: 'TRANSFORMER' as const, layers: 2 } };
  await assert.rejects(run(transformer), (err: unknown) => err instanceof JobError && !err.retryable);
});
