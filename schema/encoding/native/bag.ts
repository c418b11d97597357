// The bag-of-subwords pooling (masked mean of embedding rows) as one native kernel on
// 'native-cpu', forward and gradient, instead of a gather of every token's row, a masked multiply
// and a sum over [rows, tokens, width] tensors. Other backends keep the composite form.

import * as tf from '@tensorflow/tfjs';
import type { PaddedBatch } from '../tokenizer.js';
import { loadNative } from './addon.js';
import { NATIVE_BACKEND } from './backend.js';

/** Masked mean of `table` rows per batch row, or null when this backend has no native kernel for it. */
export function nativeBagMean(table: tf.Tensor2D, batch: PaddedBatch): tf.Tensor2D | null {
  if (tf.getBackend() !== NATIVE_BACKEND) return null;
  const native = loadNative();
  if (native.kind !== 'loaded') return null;
  const { addon } = native;
  const [vocabulary, width] = table.shape;
  const op = tf.customGrad((t) => {
    // The CPU backend hands out its own array: no copy of the table.
    const values = (t as tf.Tensor).dataSync() as Float32Array;
    const out = new Float32Array(batch.rows * width);
    addon.bagMean(values, vocabulary, width, batch.ids, batch.mask, batch.rows, batch.width, out);
    return {
      value: tf.tensor2d(out, [batch.rows, width]),
      gradFunc: (dy: tf.Tensor) => {
        const grad = new Float32Array(vocabulary * width);
        addon.bagMeanGrad(dy.dataSync() as Float32Array, width, batch.ids, batch.mask, batch.rows, batch.width, grad);
        return tf.tensor2d(grad, [vocabulary, width]);
      },
    };
  });
  return op(table) as tf.Tensor2D;
}
