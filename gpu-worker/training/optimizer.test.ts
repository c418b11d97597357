import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, createAdamW, learningRateAt } from './optimizer.js';

test('learning rate warms up linearly, then decays linearly towards zero', () => {
  const options = { learningRate: 1, warmupSteps: 4, steps: 10 };
  const rates = Array.from({ length: 10 }, (_, s) => learningRateAt(s, options));
  assert.deepEqual(rates.slice(0, 5), [0.25, 0.5, 0.75, 1, 1]);
  assert.deepEqual(rates.slice(5).map((r) => Math.round(r * 600) / 600), [5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6].map((r) => Math.round(r * 600) / 600));
  assert.equal(learningRateAt(0, { learningRate: 2, warmupSteps: 0, steps: 4 }), 2);
  assert.equal(learningRateAt(3, { learningRate: 2, warmupSteps: 0, steps: 4 }), 0.5);
});

test('without weight decay AdamW takes the same steps as tf.train.adam', () => {
  const ours = tf.variable(tf.tensor1d([1, -2, 3]));
  const theirs = tf.variable(tf.tensor1d([1, -2, 3]));
  const adamW = createAdamW([ours], { weightDecay: 0, epsilon: 1e-8 });
  const adam = tf.train.adam(0.1, 0.9, 0.999, 1e-8);
  const f = (v: tf.Variable) => tf.sum(tf.square(v.sub(tf.tensor1d([0.5, 0.5, 0.5])))) as tf.Scalar;
  for (let i = 0; i < 5; i++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => f(ours), [ours]);
      adamW.apply(new Map([[ours, grads[ours.name]!]]), 0.1);
    });
    adam.minimize(() => f(theirs), false, [theirs]);
  }
  const a = ours.dataSync();
  const b = theirs.dataSync();
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `${a[i]} vs ${b[i]}`);
});

test('weight decay is decoupled: it shrinks weights by lr * decay * w on top of the Adam step', () => {
  const x = tf.variable(tf.tensor1d([1, -2]));
  const adamW = createAdamW([x], { weightDecay: 0.01 });
  const before = tf.memory().numTensors;
  tf.tidy(() => adamW.apply(new Map([[x, tf.tensor1d([2, -4])]]), 0.1));
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  // First Adam step moves each weight by lr * sign(gradient).
  const [a, b] = x.dataSync();
  assert.ok(Math.abs(a! - (1 - 0.1 * (1 + 0.01 * 1))) < 1e-6, String(a));
  assert.ok(Math.abs(b! - (-2 - 0.1 * (-1 + 0.01 * -2))) < 1e-6, String(b));
  adamW.dispose();

  // Variables left out of decay take the plain Adam step.
  const kept = tf.variable(tf.tensor1d([1, -2]));
  const partial = createAdamW([kept], { weightDecay: 0.01, decays: (v) => v !== kept });
  tf.tidy(() => partial.apply(new Map([[kept, tf.tensor1d([2, -4])]]), 0.1));
  const [c, d] = kept.dataSync();
  assert.ok(Math.abs(c! - 0.9) < 1e-6 && Math.abs(d! + 1.9) < 1e-6, `${c}, ${d}`);
  partial.dispose();
});

test('global-norm clipping scales every gradient by maxNorm / norm, only above maxNorm', () => {
  // Norm of (3, 4) and (0, 12) together: sqrt(9 + 16 + 144) = 13.
  const a = tf.tensor1d([3, 4]);
  const b = tf.tensor2d([[0], [12]]);
  const clipped = clipByGlobalNorm([a, b], 6.5);
  assert.equal(clipped.norm.dataSync()[0], 13);
  assert.deepEqual([...clipped.gradients[0]!.dataSync()], [1.5, 2]);
  assert.deepEqual([...clipped.gradients[1]!.dataSync()], [0, 6]);
  assert.deepEqual(clipped.gradients[1]!.shape, [2, 1]);
  const under = clipByGlobalNorm([a, b], 20);
  assert.deepEqual([...under.gradients[0]!.dataSync()], [3, 4], 'below the limit: unchanged');
  assert.deepEqual([...clipByGlobalNorm([a, b], 13).gradients[1]!.dataSync()], [0, 12], 'at the limit: unchanged');
  const off = clipByGlobalNorm([a, b], 0);
  assert.deepEqual([...off.gradients[1]!.dataSync()], [0, 12], '0 turns clipping off');
  assert.equal(off.norm.dataSync()[0], 13, 'the norm is reported either way');
});

test('AdamW resumed from its saved state takes the same steps as one never interrupted', () => {
  const target = tf.tensor1d([0.5, -0.5, 2]);
  const f = (v: tf.Variable) => tf.sum(tf.square(v.sub(target))) as tf.Scalar;
  const stepOnce = (x: tf.Variable, adamW: ReturnType<typeof createAdamW>, s: number) =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => f(x), [x]);
      adamW.apply(new Map([[x, grads[x.name]!]]), 0.1 / (s + 1));
    });
  const straight = tf.variable(tf.tensor1d([1, -2, 3]));
  const straightOpt = createAdamW([straight], { weightDecay: 0.01 });
  for (let s = 0; s < 6; s++) stepOnce(straight, straightOpt, s);

  const first = tf.variable(tf.tensor1d([1, -2, 3]));
  const firstOpt = createAdamW([first], { weightDecay: 0.01 });
  for (let s = 0; s < 3; s++) stepOnce(first, firstOpt, s);
  const saved = firstOpt.state();
  assert.equal(saved.step, 3);
  const resumed = tf.variable(tf.tensor1d(first.dataSync() as Float32Array));
  const resumedOpt = createAdamW([resumed], { weightDecay: 0.01 }, saved);
  for (let s = 3; s < 6; s++) stepOnce(resumed, resumedOpt, s);
  assert.deepEqual([...resumed.dataSync()], [...straight.dataSync()]);
  for (const o of [straightOpt, firstOpt, resumedOpt]) o.dispose();
});
