// Text encoders of the dual encoder. One encoder (one set of weights) embeds both queries and
// passages; the E5-style prefixes tell the two roles apart. The bag-of-subwords encoder is the
// base model: masked mean of subword embeddings (the zero-layer transformer), L2-normalised so
// that dot products are cosines. transformer.ts implements the same interface.

import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../schema/training.js';
import { embeddingLookup } from './embedding.js';
import { nativeBagMean } from './native/bag.js';
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

/** A copy of the encoder's current weights by name: what restore functions and checkpoints take. */
export function readWeights(encoder: TextEncoder): Map<string, Float32Array> {
  return new Map(encoder.weights.map(({ name, variable }) => [name, Float32Array.from(variable.dataSync() as Float32Array)]));
}

export interface WeightSpec {
  name: string;
  shape: number[];
  init: () => tf.Tensor;
}

/**
 * The encoder's variables, from `initial` when given (which must hold exactly these names with
 * matching sizes: a checkpoint of another architecture is an error, not a partial load).
 */
export function createWeights(specs: readonly WeightSpec[], initial?: ReadonlyMap<string, Float32Array>): NamedVariable[] {
  if (initial) {
    const expected = new Set(specs.map((s) => s.name));
    const extra = [...initial.keys()].filter((name) => !expected.has(name));
    if (extra.length > 0) throw new Error(`weights ${extra.join(', ')} do not belong to this encoder`);
  }
  const created: NamedVariable[] = [];
  try {
    for (const { name, shape, init } of specs) {
      const values = initial?.get(name);
      if (initial && !values) throw new Error(`weight ${name} is missing`);
      const size = shape.reduce((a, b) => a * b, 1);
      if (values && values.length !== size) throw new Error(`weight ${name} has ${values.length} values, expected ${size} for shape [${shape}]`);
      const tensor = values ? tf.tensor(values, shape, 'float32') : init();
      created.push({ name, variable: tf.variable(tensor) });
      tensor.dispose();
    }
  } catch (err) {
    created.forEach((w) => w.variable.dispose());
    throw err;
  }
  return created;
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

/** Position 0 of every row (the <s> / [CLS] token). */
export function firstToken(values: tf.Tensor3D): tf.Tensor2D {
  const [rows, , dimension] = values.shape;
  return tf.reshape(tf.slice(values, [0, 0, 0], [rows, 1, dimension]), [rows, dimension]);
}

/** `rows`: rows of the embedding table (a pruned vocabulary's size); defaults to model.vocabularySize. */
export function createBagOfSubwordsEncoder(model: ModelSpec, seed: number, initial?: ReadonlyMap<string, Float32Array>, rows = model.vocabularySize): TextEncoder {
  const shape = [rows, model.dimension];
  const weights = createWeights([{ name: 'embedding', shape, init: () => tf.randomNormal(shape, 0, 1 / Math.sqrt(model.dimension), 'float32', seed) }], initial);
  const table = weights[0]!.variable as tf.Variable<tf.Rank.R2>;
  return {
    weights,
    encode(batch) {
      return tf.tidy(() => {
        const native = nativeBagMean(table, batch);
        if (native) return l2Normalize(native);
        const ids = tf.tensor2d(batch.ids, [batch.rows, batch.width], 'int32');
        const mask = tf.tensor2d(batch.mask, [batch.rows, batch.width]);
        const tokens = embeddingLookup(table, ids) as tf.Tensor3D;
        return l2Normalize(maskedMean(tokens, mask));
      });
    },
    dispose: () => table.dispose(),
  };
}
