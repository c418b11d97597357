// A transformer text encoder trained from scratch: token + learned position embeddings, `layers`
// blocks of multi-head self-attention (padding keys masked) and a GELU feed-forward layer, each
// with a residual connection and LayerNorm, then MEAN or CLS pooling and L2 normalisation.
// Pre-LN (normalise before each sub-layer, one final LayerNorm) is the default because it trains
// stably from scratch without a long warm-up; post-LN (BERT's order, with a LayerNorm on the
// embeddings) is there for checkpoints laid out that way.
//
// Speed on WASM comes from few, large kernels: the batch's tokens are flattened to one
// [tokens, dimension] matrix for every dense layer, query/key/value come out of one matMul, and
// all heads of all rows go through one batched matMul for scores and one for the context.

import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../schema/training.js';
import { embeddingLookup } from './embedding.js';
import { createWeights, firstToken, l2Normalize, maskedMean, type TextEncoder, type WeightSpec } from './encoder.js';
import { dense, gelu, layerNorm } from './transformer-ops.js';

export type NormPlacement = 'pre' | 'post';

export interface TransformerOptions {
  /** Rows of the token embedding table. */
  rows: number;
  seed: number;
  initial?: ReadonlyMap<string, Float32Array>;
  /** Default 'pre'. */
  norm?: NormPlacement;
  /** Default 1e-5. */
  layerNormEpsilon?: number;
  /** Standard deviation of the truncated-normal initial weights (BERT's 0.02 by default). */
  initStd?: number;
}

/** Every weight of a transformer encoder, in a stable order; names are the checkpoint keys. */
export function transformerWeightSpecs(model: ModelSpec, options: TransformerOptions): WeightSpec[] {
  const { dimension: d, ffnDimension: f, layers, maxLength } = model;
  const { rows, seed, norm = 'pre', initStd = 0.02 } = options;
  let k = 0;
  const random = (name: string, shape: number[]): WeightSpec => {
    const s = seed + 1009 * k++;
    return { name, shape, init: () => tf.truncatedNormal(shape, 0, initStd, 'float32', s) };
  };
  const constant = (name: string, shape: number[], value: number): WeightSpec => ({ name, shape, init: () => tf.fill(shape, value) });
  const normPair = (prefix: string) => [constant(`${prefix}.gamma`, [d], 1), constant(`${prefix}.beta`, [d], 0)];
  const specs = [random('embedding', [rows, d]), random('position', [maxLength, d])];
  if (norm === 'post') specs.push(...normPair('embedding_norm'));
  for (let i = 0; i < layers; i++) {
    const p = `layers.${i}`;
    specs.push(
      random(`${p}.attention.qkv.kernel`, [d, 3 * d]),
      constant(`${p}.attention.qkv.bias`, [3 * d], 0),
      random(`${p}.attention.out.kernel`, [d, d]),
      constant(`${p}.attention.out.bias`, [d], 0),
      ...normPair(`${p}.attention.norm`),
      random(`${p}.ffn.inner.kernel`, [d, f]),
      constant(`${p}.ffn.inner.bias`, [f], 0),
      random(`${p}.ffn.outer.kernel`, [f, d]),
      constant(`${p}.ffn.outer.bias`, [d], 0),
      ...normPair(`${p}.ffn.norm`),
    );
  }
  if (norm === 'pre') specs.push(...normPair('final_norm'));
  return specs;
}

export function createTransformerEncoder(model: ModelSpec, options: TransformerOptions): TextEncoder {
  const { dimension: d, heads, layers, maxLength, pooling } = model;
  const { norm = 'pre', layerNormEpsilon: eps = 1e-5 } = options;
  if (d % heads !== 0) throw new RangeError(`dimension ${d} is not divisible by ${heads} heads`);
  const headSize = d / heads;
  const weights = createWeights(transformerWeightSpecs(model, options), options.initial);
  const byName = new Map(weights.map((w) => [w.name, w.variable]));
  const w = <R extends tf.Rank>(name: string) => byName.get(name)! as tf.Variable<R>;
  const ln = (x: tf.Tensor2D, prefix: string) => layerNorm(x, w<tf.Rank.R1>(`${prefix}.gamma`), w<tf.Rank.R1>(`${prefix}.beta`), eps);
  const linear = (x: tf.Tensor2D, prefix: string) => dense(x, w<tf.Rank.R2>(`${prefix}.kernel`), w<tf.Rank.R1>(`${prefix}.bias`));

  /** x [rows * width, d] -> [rows * width, d]; keyBias [rows, 1, 1, width] is 0 or -1e9. */
  const attention = (x: tf.Tensor2D, keyBias: tf.Tensor4D, rows: number, width: number, prefix: string): tf.Tensor2D => {
    const qkv = linear(x, `${prefix}.qkv`).reshape([rows, width, 3 * heads, headSize]).transpose([0, 2, 1, 3]);
    const [q, k, v] = tf.split(qkv, 3, 1).map((t) => t.reshape([rows * heads, width, headSize]) as tf.Tensor3D);
    const scores = tf.matMul(tf.mul(q!, 1 / Math.sqrt(headSize)), k!, false, true).reshape([rows, heads, width, width]);
    const probabilities = tf.softmax(tf.add(scores, keyBias)).reshape([rows * heads, width, width]) as tf.Tensor3D;
    const context = tf.matMul(probabilities, v!).reshape([rows, heads, width, headSize]).transpose([0, 2, 1, 3]).reshape([rows * width, d]);
    return linear(context as tf.Tensor2D, `${prefix}.out`);
  };
  const feedForward = (x: tf.Tensor2D, prefix: string) => linear(gelu(linear(x, `${prefix}.inner`)), `${prefix}.outer`);

  return {
    weights,
    encode(batch) {
      const { rows, width } = batch;
      if (width > maxLength) throw new RangeError(`batch width ${width} exceeds maxLength ${maxLength}`);
      return tf.tidy(() => {
        const ids = tf.tensor2d(batch.ids, [rows, width], 'int32');
        const mask = tf.tensor2d(batch.mask, [rows, width]);
        const keyBias = tf.mul(tf.sub(mask, 1), 1e9).reshape([rows, 1, 1, width]) as tf.Tensor4D;
        const tokens = embeddingLookup(w<tf.Rank.R2>('embedding'), ids) as tf.Tensor3D;
        const positions = tf.slice(w<tf.Rank.R2>('position'), [0, 0], [width, d]);
        let x = tf.add(tokens, positions).reshape([rows * width, d]) as tf.Tensor2D;
        if (norm === 'post') x = ln(x, 'embedding_norm');
        for (let i = 0; i < layers; i++) {
          const p = `layers.${i}`;
          if (norm === 'pre') {
            x = tf.add(x, attention(ln(x, `${p}.attention.norm`), keyBias, rows, width, `${p}.attention`));
            x = tf.add(x, feedForward(ln(x, `${p}.ffn.norm`), `${p}.ffn`));
          } else {
            x = ln(tf.add(x, attention(x, keyBias, rows, width, `${p}.attention`)), `${p}.attention.norm`);
            x = ln(tf.add(x, feedForward(x, `${p}.ffn`)), `${p}.ffn.norm`);
          }
        }
        if (norm === 'pre') x = ln(x, 'final_norm');
        const hidden = x.reshape([rows, width, d]) as tf.Tensor3D;
        switch (pooling) {
          case 'MEAN':
            return l2Normalize(maskedMean(hidden, mask));
          case 'CLS':
            return l2Normalize(firstToken(hidden));
          case 'POOLER':
            throw new Error('POOLER pooling needs a PRETRAINED checkpoint with a pooler');
        }
      });
    },
    dispose: () => weights.forEach((v) => v.variable.dispose()),
  };
}
