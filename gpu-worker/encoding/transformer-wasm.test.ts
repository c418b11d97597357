// The WASM backend lacks some kernels (UnsortedSegmentSum, the gather gradient) and takes other
// code paths than CPU for matMul; the encoders must run there and agree with the CPU backend.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MODEL, type ModelSpec } from '../../schema/training.js';
import { selectBackend } from './backend.js';
import { createBagOfSubwordsEncoder, type TextEncoder } from './encoder.js';
import { padBatch } from './tokenizer.js';
import { createTransformerEncoder, transformerWeightSpecs } from './transformer.js';

const ROWS = 13;
const transformer: ModelSpec = { ...DEFAULT_MODEL, family: 'TRANSFORMER', dimension: 16, heads: 4, layers: 2, ffnDimension: 24, maxLength: 8, vocabularySize: ROWS, pooling: 'CLS' };
const bag: ModelSpec = { ...DEFAULT_MODEL, dimension: 16, vocabularySize: ROWS };
const batch = padBatch([Int32Array.from([1, 4, 4, 9, 12, 3, 2, 7]), Int32Array.from([1, 5]), Int32Array.from([1, 11, 6, 2])]);

/** Deterministic weights in plain JS, so both backends start from the same numbers. */
function weightsFor(model: ModelSpec): Map<string, Float32Array> {
  let state = 12345;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.8;
  const specs = model.family === 'TRANSFORMER' ? transformerWeightSpecs(model, { rows: ROWS, seed: 0 }) : [{ name: 'embedding', shape: [ROWS, model.dimension] }];
  return new Map(specs.map(({ name, shape }) => [name, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (name.endsWith('gamma') ? 1 : 0) + next())]));
}

function run(create: () => TextEncoder): { embeddings: Float32Array; grads: Float32Array[] } {
  const encoder = create();
  const result = tf.tidy(() => {
    const probe = tf.linspace(-1, 1, batch.rows * 16).reshape([batch.rows, 16]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(encoder.encode(batch), probe)), encoder.weights.map((w) => w.variable));
    return { embeddings: encoder.encode(batch).dataSync() as Float32Array, grads: encoder.weights.map((w) => grads[w.variable.name]!.dataSync() as Float32Array) };
  });
  encoder.dispose();
  return result;
}

const close = (a: Float32Array, b: Float32Array, label: string) => {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-4 * (1 + Math.abs(b[i]!)), `${label}[${i}]: wasm ${a[i]} vs cpu ${b[i]}`);
};

for (const model of [transformer, bag]) {
  test(`${model.family}: WASM embeddings and gradients equal the CPU backend's`, async () => {
    const weights = weightsFor(model);
    const create = () => (model.family === 'TRANSFORMER' ? createTransformerEncoder(model, { rows: ROWS, seed: 0, initial: weights }) : createBagOfSubwordsEncoder(model, 0, weights));
    await selectBackend({ prefer: 'wasm' });
    const wasm = run(create);
    await tf.setBackend('cpu');
    const cpu = run(create);
    close(wasm.embeddings, cpu.embeddings, 'embeddings');
    wasm.grads.forEach((g, i) => close(g, cpu.grads[i]!, `gradient ${i}`));
    assert.ok(cpu.grads[0]!.some((v) => v !== 0), 'the embedding table gets a gradient');
  });
}
