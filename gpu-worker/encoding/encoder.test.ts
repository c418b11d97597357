import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MODEL } from '../../schema/training.js';
import { createBagOfSubwordsEncoder, l2Normalize, maskedMean } from './encoder.js';
import { padBatch } from './tokenizer.js';

test('maskedMean averages real tokens only; l2Normalize gives unit rows', () => {
  const values = tf.tensor3d([[[1, 1], [3, 5], [100, 100]], [[2, 4], [0, 0], [0, 0]]]);
  const mask = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
  assert.deepEqual(maskedMean(values, mask).arraySync(), [[2, 3], [2, 4]]);
  const norms = tf.norm(l2Normalize(tf.tensor2d([[3, 4], [0.1, 0]])), 2, 1).arraySync() as number[];
  norms.forEach((n) => assert.ok(Math.abs(n - 1) < 1e-6));
});

test('an encoder rebuilt from its weights encodes identically; outputs are unit vectors', () => {
  const model = { ...DEFAULT_MODEL, dimension: 8, vocabularySize: 64 };
  const original = createBagOfSubwordsEncoder(model, 5);
  const weights = new Map(original.weights.map((w) => [w.name, w.variable.dataSync() as Float32Array]));
  const restored = createBagOfSubwordsEncoder(model, 99, weights);
  const batch = padBatch([Int32Array.from([1, 2, 3]), Int32Array.from([7])]);
  const a = original.encode(batch);
  const b = restored.encode(batch);
  assert.deepEqual(a.arraySync(), b.arraySync());
  (tf.norm(a, 2, 1).arraySync() as number[]).forEach((n) => assert.ok(Math.abs(n - 1) < 1e-5));
  const before = tf.memory().numTensors;
  tf.dispose([a, b]);
  original.dispose();
  restored.dispose();
  assert.equal(tf.memory().numTensors, before - 4);
});
