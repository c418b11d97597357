// Micro-benchmark of encoder forward + backward (not a test: no timing is asserted anywhere).
//   npx tsc -p tsconfig.json && node dist/gpu-worker/encoding/transformer.bench.js [wasm|cpu]
// Prints milliseconds per step for one batch of 32 texts of 48 tokens: encode, a scalar loss
// (in-batch softmax against a second encoded batch, like training) and the gradients of every
// weight.

import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MODEL, type ModelSpec } from '../../schema/training.js';
import { isBackendName, selectBackend } from './backend.js';
import { createBagOfSubwordsEncoder, type TextEncoder } from './encoder.js';
import { createTransformerEncoder } from './transformer.js';
import type { PaddedBatch } from './tokenizer.js';

const ROWS = 32;
const WIDTH = 48;
const VOCABULARY = 8192;

function randomBatch(seed: number): PaddedBatch {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const ids = new Int32Array(ROWS * WIDTH);
  const mask = new Float32Array(ROWS * WIDTH);
  for (let r = 0; r < ROWS; r++) {
    const length = 8 + Math.floor(next() * (WIDTH - 8 + 1));
    for (let t = 0; t < length; t++) {
      ids[r * WIDTH + t] = 2 + Math.floor(next() * (VOCABULARY - 2));
      mask[r * WIDTH + t] = 1;
    }
  }
  return { ids, mask, rows: ROWS, width: WIDTH };
}

function time(encoder: TextEncoder, encodes: 1 | 2, steps: number): number {
  const a = randomBatch(1);
  const b = randomBatch(2);
  const variables = encoder.weights.map((w) => w.variable);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const q = encoder.encode(a);
        const p = encodes === 2 ? encoder.encode(b) : q.reverse(0);
        const logits = tf.matMul(q, p, false, true).mul(20);
        return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(q, p), 1).mul(20))) as tf.Scalar;
      }, variables);
      value.dataSync();
      Object.values(grads).forEach((g) => g.dataSync());
    });
  step();
  step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) step();
  return (performance.now() - start) / steps;
}

const backend = process.argv[2] ?? 'wasm';
if (!isBackendName(backend)) throw new Error(`unknown backend ${backend}`);
await selectBackend({ prefer: backend });
const configs: [string, ModelSpec][] = [
  ['bag-of-subwords d64', { ...DEFAULT_MODEL, dimension: 64, vocabularySize: VOCABULARY, maxLength: WIDTH }],
  ['bag-of-subwords d128', { ...DEFAULT_MODEL, dimension: 128, vocabularySize: VOCABULARY, maxLength: WIDTH }],
  ['transformer d128 L2 H4 F256 MEAN', { ...DEFAULT_MODEL, family: 'TRANSFORMER', dimension: 128, layers: 2, heads: 4, ffnDimension: 256, vocabularySize: VOCABULARY, maxLength: WIDTH }],
  ['transformer d128 L2 H4 F256 CLS', { ...DEFAULT_MODEL, family: 'TRANSFORMER', dimension: 128, layers: 2, heads: 4, ffnDimension: 256, vocabularySize: VOCABULARY, maxLength: WIDTH, pooling: 'CLS' }],
];
for (const [label, model] of configs) {
  const encoder = model.family === 'TRANSFORMER' ? createTransformerEncoder(model, { rows: VOCABULARY, seed: 1 }) : createBagOfSubwordsEncoder(model, 1);
  const one = time(encoder, 1, 5);
  const two = time(encoder, 2, 5);
  console.log(`${backend} ${label}: ${one.toFixed(1)} ms per 32x48 forward+backward; ${two.toFixed(1)} ms per training step (queries + passages)`);
  encoder.dispose();
}
console.log(`tensors left: ${tf.memory().numTensors}`);
