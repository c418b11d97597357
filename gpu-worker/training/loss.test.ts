import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from '../encoding/encoder.js';
import { infoNce, type InfoNceOptions } from './loss.js';

const rows = (t: tf.Tensor2D) => t.arraySync();
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** One direction of InfoNCE written out with plain numbers: row i's target is candidate i. */
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

const normal = (shape: [number, number], seed: number) => l2Normalize(tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor2D);
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-4, `${what}: ${a} vs ${b}`);

test('InfoNCE equals its definition: in-batch negatives, hard negatives as extra columns, symmetric term', () => {
  const [q, p, n] = [normal([4, 5], 1), normal([4, 5], 2), normal([3, 5], 3)];
  const value = (options: InfoNceOptions) => infoNce(q, p, options).dataSync()[0]!;
  close(value({ scale: 20 }), reference(rows(q), rows(p), 20), 'in-batch');
  close(value({ scale: 20, hardNegatives: n }), reference(rows(q), [...rows(p), ...rows(n)], 20), 'hard negatives');
  close(value({ scale: 20, hardNegatives: tf.zeros([0, 5]) as tf.Tensor2D }), value({ scale: 20 }), 'an empty hard-negative block');
  const symmetric = (reference(rows(q), [...rows(p), ...rows(n)], 7) + reference(rows(p), rows(q), 7)) / 2;
  close(value({ scale: 7, hardNegatives: n, symmetric: true }), symmetric, 'symmetric');
  // Chance level: all cosines equal gives ln(candidates).
  const same = tf.ones([4, 5]).div(Math.sqrt(5)) as tf.Tensor2D;
  close(infoNce(same, same, { scale: 20, hardNegatives: same.slice([0, 0], [2, 5]) }).dataSync()[0]!, Math.log(6), 'chance');
});

/** Central finite differences of the loss against its analytic gradient, for every input entry. */
function checkGradients(options: Omit<InfoNceOptions, 'hardNegatives'> & { negatives: number }) {
  const [b, d, h] = [3, 4, options.negatives];
  const shapes: [number, number][] = h > 0 ? [[b, d], [b, d], [h, d]] : [[b, d], [b, d]];
  const inputs = shapes.map((shape, i) => tf.randomNormal(shape, 0, 1, 'float32', 7 + i));
  const loss = (...x: tf.Tensor[]) =>
    infoNce(l2Normalize(x[0] as tf.Tensor2D), l2Normalize(x[1] as tf.Tensor2D), {
      ...options,
      hardNegatives: x[2] ? l2Normalize(x[2] as tf.Tensor2D) : undefined,
    });
  const analytic = tf.grads(loss)(inputs).map((g) => g.dataSync());
  const values = inputs.map((t) => (t.dataSync() as Float32Array).slice());
  const at = (x: Float32Array[]) => tf.tidy(() => loss(...x.map((v, i) => tf.tensor2d(v, shapes[i]!))).dataSync()[0]!);
  const eps = 1e-2;
  values.forEach((input, which) => {
    for (let i = 0; i < input.length; i++) {
      const original = input[i]!;
      input[i] = original + eps;
      const up = at(values);
      input[i] = original - eps;
      const down = at(values);
      input[i] = original;
      const numeric = (up - down) / (2 * eps);
      const grad = analytic[which]![i]!;
      assert.ok(Math.abs(numeric - grad) < 2e-3 + 2e-2 * Math.abs(numeric), `${JSON.stringify(options)} input ${which}[${i}]: numeric ${numeric}, analytic ${grad}`);
    }
  });
  if (h > 0) assert.ok(analytic[2]!.some((g) => Math.abs(g) > 1e-3), 'hard negatives receive gradient');
}

test('the InfoNCE gradient matches central finite differences', () => {
  checkGradients({ scale: 5, negatives: 0 });
  checkGradients({ scale: 5, negatives: 2 });
  checkGradients({ scale: 3, negatives: 2, symmetric: true });
});

test('a single hard negative is a negative too', () => {
  const [q, p, n] = [normal([4, 5], 11), normal([4, 5], 12), normal([1, 5], 13)];
  close(infoNce(q, p, { scale: 20, hardNegatives: n }).dataSync()[0]!, reference(rows(q), [...rows(p), ...rows(n)], 20), 'one hard negative');
  const symmetric = (reference(rows(q), [...rows(p), ...rows(n)], 20) + reference(rows(p), rows(q), 20)) / 2;
  close(infoNce(q, p, { scale: 20, hardNegatives: n, symmetric: true }).dataSync()[0]!, symmetric, 'one hard negative, symmetric');
});
