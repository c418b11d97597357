// The bag-of-subwords pooling (masked mean of embedding rows) as one native kernel on
// 'native-cpu', forward and gradient, instead of a gather of every token's row, a masked multiply
// and a sum over [rows, tokens, width] tensors. Other backends keep the composite form.

import * as tf from '@tensorflow/tfjs';
import type { PaddedBatch } from '../tokenizer.js';
import { BAG_MEAN, BAG_MEAN_GRAD, NATIVE_BACKEND } from './backend.js';

/** Masked mean of `table` rows per batch row, or null when this backend has no native kernel for it. */
export function nativeBagMean(table: tf.Tensor2D, batch: PaddedBatch): tf.Tensor2D | null {
  if (tf.getBackend() !== NATIVE_BACKEND) return null;
  // Made when a kernel runs (forward, then backward): the tape keeps no tensor of them.
  const run = (kernel: string, first: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap) => {
    const ids = tf.tensor2d(batch.ids, [batch.rows, batch.width], 'int32');
    const mask = tf.tensor2d(batch.mask, [batch.rows, batch.width], 'float32');
    const out = tf.engine().runKernel(kernel, { ...first, ids, mask }, attrs) as tf.Tensor2D;
    ids.dispose();
    mask.dispose();
    return out;
  };
  const op = tf.customGrad((t) => ({
    value: run(BAG_MEAN, { table: t as tf.Tensor }, {}),
    gradFunc: (dy: tf.Tensor) => run(BAG_MEAN_GRAD, { dy }, { vocabulary: table.shape[0] }),
  }));
  return op(table) as tf.Tensor2D;
}
