import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { dense, gelu, layerNorm } from './transformer-ops.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tolerance * (1 + Math.abs(b[i]!)), `index ${i}: ${a[i]} vs ${b[i]}`);
};

/** Values and gradients (of a weighted sum of the outputs) of two implementations agree. */
function sameWithGradients(inputs: tf.Tensor[], custom: (...x: tf.Tensor[]) => tf.Tensor, plain: (...x: tf.Tensor[]) => tf.Tensor) {
  tf.tidy(() => {
    const probe = tf.randomNormal(custom(...inputs).shape, 0, 1, 'float32', 7);
    const loss = (f: (...x: tf.Tensor[]) => tf.Tensor) => (...x: tf.Tensor[]) => tf.sum(tf.mul(f(...x), probe));
    close(custom(...inputs).dataSync(), plain(...inputs).dataSync());
    const a = tf.grads(loss(custom))(inputs);
    const b = tf.grads(loss(plain))(inputs);
    a.forEach((g, i) => close(g.dataSync(), b[i]!.dataSync()));
  });
}

test('dense: value and gradients equal fused matMul with autodiff', () => {
  const x = tf.randomNormal([5, 4], 0, 1, 'float32', 1);
  const kernel = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
  const bias = tf.randomNormal([3], 0, 1, 'float32', 3);
  sameWithGradients([x, kernel, bias], (a, b, c) => dense(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor1D), (a, b, c) => tf.add(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), c!));
});

test('layerNorm: value and gradients equal the textbook formula with autodiff', () => {
  const x = tf.randomNormal([6, 5], 1, 2, 'float32', 4);
  const gamma = tf.randomNormal([5], 1, 0.5, 'float32', 5);
  const beta = tf.randomNormal([5], 0, 0.5, 'float32', 6);
  const plain = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const mean = tf.mean(a, 1, true);
    const variance = tf.mean(tf.square(tf.sub(a, mean)), 1, true);
    return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  sameWithGradients([x, gamma, beta], (a, g, b) => layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), (a, g, b) => plain(a!, g!, b!));
});

test('gelu: exact erf form, value and gradient equal autodiff; gelu(1) = 0.8413', () => {
  const x = tf.randomNormal([4, 7], 0, 2, 'float32', 8);
  sameWithGradients([x], (a) => gelu(a!), (a) => tf.mul(tf.mul(a!, 0.5), tf.add(1, tf.erf(tf.div(a!, Math.SQRT2)))));
  assert.ok(Math.abs(gelu(tf.scalar(1)).dataSync()[0]! - 0.841345) < 1e-5);
});
