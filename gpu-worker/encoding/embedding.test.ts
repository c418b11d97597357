import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend.js';
import { embeddingLookup } from './embedding.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tolerance, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('the scatter gradient of the lookup equals the dense gradient of a one-hot matmul', async () => {
  await tf.setBackend('cpu');
  const vocabulary = 6;
  const table = tf.randomNormal([vocabulary, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
  // Repeated ids (2 twice, 0 twice) must accumulate.
  const ids = tf.tensor2d([[0, 2, 2], [5, 0, 1]], [2, 3], 'int32');
  const weights = tf.randomNormal([2, 3, 3], 0, 1, 'float32', 2);

  const viaLookup = (t: tf.Tensor) => tf.sum(tf.mul(weights, embeddingLookup(t as tf.Tensor2D, ids)));
  const viaOneHot = (t: tf.Tensor) =>
    tf.sum(tf.mul(weights, tf.matMul(tf.oneHot(ids.reshape([-1]), vocabulary), t as tf.Tensor2D).reshape([2, 3, 3])));

  close(viaLookup(table).dataSync(), viaOneHot(table).dataSync());
  const sparse = tf.grad(viaLookup)(table);
  const dense = tf.grad(viaOneHot)(table);
  close(sparse.dataSync(), dense.dataSync());
  // Row 3 and 4 are never looked up: no gradient.
  assert.deepEqual([...sparse.slice([3, 0], [2, 3]).dataSync()], [0, 0, 0, 0, 0, 0]);

  const profile = await tf.profile(() => tf.grad(viaLookup)(table));
  assert.ok(profile.kernelNames.includes('ScatterNd'), profile.kernelNames.join(','));
  assert.ok(!profile.kernelNames.includes('UnsortedSegmentSum'), 'gather gradient not used');
});

test('the lookup gradient works when the ids tensor is disposed before backpropagation', () => {
  const table = tf.variable(tf.ones([4, 2])) as tf.Variable<tf.Rank.R2>;
  const { grads } = tf.variableGrads(() => {
    // Built and released inside a nested tidy, as the encoder does.
    const out = tf.tidy(() => embeddingLookup(table, tf.tensor1d([1, 1, 3], 'int32')));
    return tf.sum(out);
  }, [table]);
  assert.deepEqual([...grads[table.name]!.dataSync()], [0, 0, 2, 2, 0, 0, 1, 1]);
  table.dispose();
});

test('the forward lookup gives the rows of tf.gather on the host backends, and refuses ids outside the table', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await selectBackend({ prefer: backend });
    const table = tf.tensor2d([[0, 1], [2, 3], [4, 5]]);
    const ids = tf.tensor2d([[2, 0], [1, 2]], [2, 2], 'int32');
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => embeddingLookup(table, ids));
    assert.deepEqual(out.shape, [2, 2, 2]);
    assert.deepEqual(out.arraySync(), tf.tidy(() => tf.gather(table, ids).arraySync()), backend);
    out.dispose();
    assert.equal(tf.memory().numTensors, before, 'nothing left behind');
    assert.throws(() => tf.tidy(() => embeddingLookup(table, tf.tensor1d([3], 'int32'))), /embedding id 3 is not in \[0, 2\]/);
    tf.dispose([table, ids]);
  }
  await tf.setBackend('cpu');
});
