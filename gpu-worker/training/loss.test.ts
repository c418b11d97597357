import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from './encoder.js';
import { infoNce } from './loss.js';

const rows = (t: tf.Tensor2D) => t.arraySync();
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** InfoNCE written out with plain numbers. */
function reference(q: number[][], candidates: number[][], scale: number): number {
  let total = 0;
  q.forEach((qi, i) => {
    const logits = candidates.map((c) => scale * dot(qi, c));
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
    total += lse - logits[i]!;
  });
  return total / q.length;
}

test('InfoNCE equals its definition, with and without hard negatives', () => {
  const q = l2Normalize(tf.randomNormal([4, 5], 0, 1, 'float32', 1) as tf.Tensor2D);
  const p = l2Normalize(tf.randomNormal([4, 5], 0, 1, 'float32', 2) as tf.Tensor2D);
  const n = l2Normalize(tf.randomNormal([4, 5], 0, 1, 'float32', 3) as tf.Tensor2D);
  assert.ok(Math.abs(infoNce(q, p, 20).dataSync()[0]! - reference(rows(q), rows(p), 20)) < 1e-4);
  assert.ok(Math.abs(infoNce(q, p, 20, n).dataSync()[0]! - reference(rows(q), [...rows(p), ...rows(n)], 20)) < 1e-4);
});

test('the InfoNCE gradient matches central finite differences', () => {
  const scale = 5;
  const q0 = tf.randomNormal([3, 4], 0, 1, 'float32', 7);
  const p0 = tf.randomNormal([3, 4], 0, 1, 'float32', 8);
  const loss = (q: tf.Tensor, p: tf.Tensor) => infoNce(l2Normalize(q as tf.Tensor2D), l2Normalize(p as tf.Tensor2D), scale);
  const [gq, gp] = tf.grads(loss)([q0, p0]);
  const value = (q: Float32Array, p: Float32Array) =>
    tf.tidy(() => loss(tf.tensor2d(q, [3, 4]), tf.tensor2d(p, [3, 4])).dataSync()[0]!);
  const eps = 1e-2;
  for (const [which, analytic] of [['q', gq!], ['p', gp!]] as const) {
    const grad = analytic.dataSync();
    for (let i = 0; i < 12; i++) {
      const q = (q0.dataSync() as Float32Array).slice();
      const p = (p0.dataSync() as Float32Array).slice();
      const x = which === 'q' ? q : p;
      x[i] = x[i]! + eps;
      const up = value(q, p);
      x[i] = x[i]! - 2 * eps;
      const down = value(q, p);
      const numeric = (up - down) / (2 * eps);
      assert.ok(Math.abs(numeric - grad[i]!) < 2e-3 + 2e-2 * Math.abs(numeric), `${which}[${i}]: numeric ${numeric}, analytic ${grad[i]}`);
    }
  }
});
