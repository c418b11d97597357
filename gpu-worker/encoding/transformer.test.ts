import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MODEL, type ModelSpec, type Pooling } from '../../schema/training.js';
import { readWeights, type TextEncoder } from './encoder.js';
import { padBatch, type PaddedBatch } from './tokenizer.js';
import { createTransformerEncoder, type NormPlacement } from './transformer.js';

await tf.setBackend('cpu');

const ROWS = 11;
const tiny = (pooling: Pooling): ModelSpec => ({ ...DEFAULT_MODEL, family: 'TRANSFORMER', dimension: 8, heads: 2, layers: 2, ffnDimension: 12, maxLength: 6, vocabularySize: ROWS, pooling });
const texts = [Int32Array.from([2, 5, 7, 9, 3, 4]), Int32Array.from([2, 8, 8, 10]), Int32Array.from([2, 6])];
const CONFIGS: [NormPlacement, Pooling][] = [['pre', 'MEAN'], ['pre', 'CLS'], ['post', 'MEAN'], ['post', 'CLS']];

// Larger initial weights than training uses (0.02), so that attention is far from uniform and
// every gradient is large enough for finite differences to check.
const encoderFor = (norm: NormPlacement, pooling: Pooling, seed = 3) => createTransformerEncoder(tiny(pooling), { rows: ROWS, seed, norm, initStd: 0.5 });

function lossOf(encoder: TextEncoder, batch: PaddedBatch, probe: tf.Tensor2D): () => tf.Scalar {
  return () => tf.sum(tf.mul(encoder.encode(batch), probe));
}

test('gradients of every weight match central finite differences (float32 tolerance)', () => {
  const batch = padBatch(texts);
  for (const [norm, pooling] of CONFIGS) {
    const encoder = encoderFor(norm, pooling);
    const probe = tf.randomNormal([texts.length, 8], 0, 1, 'float32', 11) as tf.Tensor2D;
    const loss = lossOf(encoder, batch, probe);
    const { grads } = tf.variableGrads(loss, encoder.weights.map((w) => w.variable));
    let checked = 0;
    for (const { name, variable } of encoder.weights) {
      const analytic = grads[variable.name]!.dataSync();
      const values = Float32Array.from(variable.dataSync());
      // Three coordinates per weight, spread over it; for tables, rows the batch uses.
      const used = name === 'embedding' ? [5 * 8 + 1, 8 * 8 + 3, 2 * 8 + 6] : [0, Math.floor(values.length / 2), values.length - 1];
      for (const i of used) {
        const at = (delta: number) => {
          const v = Float32Array.from(values);
          v[i]! += delta;
          variable.assign(tf.tensor(v, variable.shape));
          return tf.tidy(() => loss().dataSync()[0]!);
        };
        const eps = 1e-2;
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        variable.assign(tf.tensor(values, variable.shape));
        assert.ok(Math.abs(numeric - analytic[i]!) <= 2e-3 + 2e-2 * Math.abs(numeric), `${norm}/${pooling} ${name}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
        checked++;
      }
    }
    assert.ok(checked >= 3 * 20, `${checked} coordinates checked`);
    const table = grads[encoder.weights.find((w) => w.name === 'embedding')!.variable.name]!;
    assert.deepEqual([...table.slice([1, 0], [1, 8]).dataSync()], new Array(8).fill(0), 'row 1 is never looked up');
    tf.dispose([probe, ...Object.values(grads)]);
    encoder.dispose();
  }
});

test('a padded batch gives the embeddings of its rows encoded alone (both poolings, both norms)', () => {
  for (const [norm, pooling] of CONFIGS) {
    const encoder = encoderFor(norm, pooling);
    const together = encoder.encode(padBatch(texts));
    const alone = texts.map((t) => encoder.encode(padBatch([t])));
    texts.forEach((_, row) => {
      const a = together.slice([row, 0], [1, 8]).dataSync();
      const b = alone[row]!.dataSync();
      for (let i = 0; i < 8; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `${norm}/${pooling} row ${row} [${i}]: ${a[i]} vs ${b[i]}`);
    });
    const norms = tf.norm(together, 2, 1).dataSync();
    norms.forEach((n) => assert.ok(Math.abs(n - 1) < 1e-5));
    tf.dispose([together, ...alone]);
    encoder.dispose();
  }
});

test('encode + gradients inside tidy leave no tensor behind; the lookup uses the scatter gradient', async () => {
  const encoder = encoderFor('pre', 'MEAN');
  const batch = padBatch(texts);
  const probe = tf.randomNormal([texts.length, 8], 0, 1, 'float32', 11) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossOf(encoder, batch, probe), encoder.weights.map((w) => w.variable));
      assert.equal(Object.keys(grads).length, encoder.weights.length);
      return value.dataSync()[0]!;
    });
  step();
  assert.equal(tf.memory().numTensors, before);
  const profile = await tf.profile(step);
  assert.ok(profile.kernelNames.includes('ScatterNd'));
  assert.ok(!profile.kernelNames.includes('UnsortedSegmentSum'), 'gather gradient not used');
  probe.dispose();
  encoder.dispose();
  assert.equal(tf.memory().numTensors, before - 1 - encoder.weights.length);
});

test('an encoder restored from its weights encodes identically; wrong weights are refused', () => {
  const original = encoderFor('pre', 'CLS');
  const weights = readWeights(original);
  const restored = createTransformerEncoder(tiny('CLS'), { rows: ROWS, seed: 99, initial: weights });
  const batch = padBatch(texts);
  assert.deepEqual(restored.encode(batch).arraySync(), original.encode(batch).arraySync());
  assert.equal(original.weights.length, 2 + 2 * 12 + 2);
  const missing = new Map(weights);
  missing.delete('layers.1.ffn.outer.bias');
  assert.throws(() => createTransformerEncoder(tiny('CLS'), { rows: ROWS, seed: 1, initial: missing }), /layers\.1\.ffn\.outer\.bias is missing/);
  assert.throws(() => createTransformerEncoder(tiny('CLS'), { rows: ROWS + 1, seed: 1, initial: weights }), /embedding has 88 values/);
  assert.throws(() => createTransformerEncoder({ ...tiny('CLS'), layers: 1 }, { rows: ROWS, seed: 1, initial: weights }), /do not belong/);
  assert.throws(() => restored.encode(padBatch([new Int32Array(7)])), /exceeds maxLength 6/);
  original.dispose();
  restored.dispose();
});
