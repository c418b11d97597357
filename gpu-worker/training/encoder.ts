// Text encoders of the dual encoder. One encoder (one set of weights) embeds both queries and
// passages; the E5-style prefixes tell the two roles apart. The bag-of-subwords encoder is the
// base model: masked mean of hashed-subword embeddings, L2-normalised so that dot products are
// cosines. A transformer encoder will implement the same interface.

import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../schema/training.js';
import { embeddingLookup } from './embedding.js';
import type { PaddedBatch } from './tokenizer.js';

export const QUERY_PREFIX = 'Query: ';
export const PASSAGE_PREFIX = 'Passage: ';

export interface NamedVariable {
  /** Stable name in checkpoints (tf variable names are process-global, so they are not used). */
  name: string;
  variable: tf.Variable;
}

export interface TextEncoder {
  readonly weights: readonly NamedVariable[];
  /** L2-normalised embeddings, [batch.rows, dimension]. */
  encode(batch: PaddedBatch): tf.Tensor2D;
  dispose(): void;
}

export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.sum(tf.square(x), 1, true).add(1e-12)));
}

/** Mean over the positions where mask is 1; rows without any token give zeros. */
export function maskedMean(values: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const m = mask.expandDims(2);
  const counts = tf.maximum(tf.sum(mask, 1, true), 1);
  return tf.div(tf.sum(tf.mul(values, m), 1), counts);
}

export function createBagOfSubwordsEncoder(model: ModelSpec, seed: number, initial?: ReadonlyMap<string, Float32Array>): TextEncoder {
  const shape: [number, number] = [model.vocabularySize, model.dimension];
  const values = initial?.get('embedding');
  const init = values ? tf.tensor2d(values, shape) : tf.randomNormal(shape, 0, 1 / Math.sqrt(model.dimension), 'float32', seed);
  const table = tf.variable(init) as tf.Variable<tf.Rank.R2>;
  init.dispose();
  return {
    weights: [{ name: 'embedding', variable: table }],
    encode(batch) {
      return tf.tidy(() => {
        const ids = tf.tensor2d(batch.ids, [batch.rows, batch.width], 'int32');
        const mask = tf.tensor2d(batch.mask, [batch.rows, batch.width]);
        const tokens = embeddingLookup(table, ids) as tf.Tensor3D;
        return l2Normalize(maskedMean(tokens, mask));
      });
    },
    dispose: () => table.dispose(),
  };
}
