// A BERT / XLM-R encoder in TF.js with the Hugging Face checkpoint's weights, computing what
// transformers' BertModel / XLMRobertaModel compute in eval mode: word + position + token-type
// embeddings, LayerNorm, post-LN layers (self-attention with padding keys masked, exact GELU
// feed-forward), and the pooler tanh(dense(h[CLS])). Dropout is not applied (inference, and
// fine-tuning without dropout).
//
// Weights are held once, as TF.js variables named by their Hugging Face names without the model
// prefix ("encoder.layer.0.attention.self.query.weight"). Linear weights are stored as
// [in, out] kernels (transposed from PyTorch's [out, in]) so every dense layer is one
// untransposed matMul, the fast path on WASM; `exportWeights` transposes them back.

import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from '../embedding.js';
import { firstToken, l2Normalize, maskedMean, type NamedVariable, type TextEncoder } from '../encoder.js';
import type { PaddedBatch } from '../tokenizer.js';
import { dense, gelu, layerNorm } from '../transformer-ops.js';
import { HfModelError, maxTokens, positionOffset, type HfEncoderConfig } from './config.js';
import type { Tensor } from './safetensors.js';

export const HF_POOLINGS = ['MEAN', 'CLS', 'POOLER'] as const;
/** MEAN: masked mean of the last hidden states; CLS: the first token's; POOLER: tanh(dense(CLS)) (LaBSE). */
export type HfPooling = (typeof HF_POOLINGS)[number];

export interface HfBatch extends PaddedBatch {
  /** Row-major [rows, width]; zeros when omitted (one text per row). */
  tokenTypes?: Int32Array;
}

export interface HfEncoder extends TextEncoder {
  readonly config: HfEncoderConfig;
  readonly hasPooler: boolean;
  /** Pooling used by `encode` (training and serving), which also L2-normalises. */
  readonly pooling: HfPooling;
  /** Last hidden states [rows, width, hidden] and, when the checkpoint has one, the pooler output. The caller disposes them. */
  forward(batch: HfBatch): { hidden: tf.Tensor3D; pooled: tf.Tensor2D | null };
  /** One vector per row. */
  embed(batch: HfBatch, options: { pooling: HfPooling; normalize: boolean }): tf.Tensor2D;
  /** Current weights under their Hugging Face names and layouts, ready for safetensors. */
  exportWeights(): Map<string, Tensor>;
}

interface WeightDef {
  name: string;
  /** Shape as stored here (kernels [in, out]). */
  shape: number[];
  /** A PyTorch Linear weight: transposed between the file and here. */
  linear: boolean;
}

function weightDefs(config: HfEncoderConfig, withPooler: boolean): WeightDef[] {
  const { vocabSize: v, hiddenSize: d, intermediateSize: f, maxPositions: p, typeVocabSize: t } = config;
  const vector = (name: string, n = d): WeightDef => ({ name, shape: [n], linear: false });
  const linear = (prefix: string, inputs: number, outputs: number): WeightDef[] => [
    { name: `${prefix}.weight`, shape: [inputs, outputs], linear: true },
    vector(`${prefix}.bias`, outputs),
  ];
  const norm = (prefix: string) => [vector(`${prefix}.weight`), vector(`${prefix}.bias`)];
  const defs: WeightDef[] = [
    { name: 'embeddings.word_embeddings.weight', shape: [v, d], linear: false },
    { name: 'embeddings.position_embeddings.weight', shape: [p, d], linear: false },
    { name: 'embeddings.token_type_embeddings.weight', shape: [t, d], linear: false },
    ...norm('embeddings.LayerNorm'),
  ];
  for (let i = 0; i < config.layers; i++) {
    const l = `encoder.layer.${i}`;
    defs.push(
      ...linear(`${l}.attention.self.query`, d, d),
      ...linear(`${l}.attention.self.key`, d, d),
      ...linear(`${l}.attention.self.value`, d, d),
      ...linear(`${l}.attention.output.dense`, d, d),
      ...norm(`${l}.attention.output.LayerNorm`),
      ...linear(`${l}.intermediate.dense`, d, f),
      ...linear(`${l}.output.dense`, f, d),
      ...norm(`${l}.output.LayerNorm`),
    );
  }
  if (withPooler) defs.push(...linear('pooler.dense', d, d));
  return defs;
}

/** Every tensor the encoder needs, with its shape in a Hugging Face file ([out, in] for linear weights). */
export function expectedFileShapes(config: HfEncoderConfig, withPooler: boolean): Map<string, number[]> {
  return new Map(weightDefs(config, withPooler).map((d) => [d.name, d.linear ? [d.shape[1]!, d.shape[0]!] : d.shape]));
}

/**
 * Finds the encoder's tensors among a checkpoint's (which may carry a "bert." / "roberta." prefix,
 * old gamma/beta LayerNorm names, and heads that are not the encoder's: those are ignored).
 */
export function selectEncoderTensors(tensors: ReadonlyMap<string, Tensor>, source = 'model.safetensors'): { weights: Map<string, Tensor>; prefix: string; ignored: string[] } {
  const anchor = [...tensors.keys()].find((name) => name.endsWith('embeddings.word_embeddings.weight'));
  if (anchor === undefined) throw new HfModelError(`${source}: no embeddings.word_embeddings.weight tensor; expected a BERT or XLM-R checkpoint`);
  const prefix = anchor.slice(0, anchor.length - 'embeddings.word_embeddings.weight'.length);
  const weights = new Map<string, Tensor>();
  const ignored: string[] = [];
  for (const [name, tensor] of tensors) {
    if (!name.startsWith(prefix)) {
      ignored.push(name);
      continue;
    }
    const local = name.slice(prefix.length).replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
    if (local === 'embeddings.position_ids') continue; // a buffer some checkpoints carry
    weights.set(local, tensor);
  }
  return { weights, prefix, ignored };
}

function transpose(values: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = values[r * columns + c]!;
  return out;
}

/** PyTorch Linear weights, stored [out, in] in Hugging Face files and [in, out] here. */
export const isLinearWeight = (name: string, shape: readonly number[]) =>
  shape.length === 2 && name.endsWith('.weight') && !name.startsWith('embeddings.');

/** Weights as the encoder holds them (a platform checkpoint) in Hugging Face's layout, for safetensors. */
export function toHuggingFaceLayout(weights: Iterable<{ name: string; shape: readonly number[]; values: Float32Array }>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const { name, shape, values } of weights) {
    out.set(name, isLinearWeight(name, shape) ? { shape: [shape[1]!, shape[0]!], values: transpose(values, shape[0]!, shape[1]!) } : { shape: [...shape], values });
  }
  return out;
}

export interface CreateHfEncoderOptions {
  /**
   * Tensors under local names (see selectEncoderTensors): from a Hugging Face file (layout
   * 'huggingface', the default) or a platform checkpoint of this encoder ('encoder': values only,
   * shapes as held here).
   */
  weights: ReadonlyMap<string, Tensor> | ReadonlyMap<string, Float32Array>;
  layout?: 'huggingface' | 'encoder';
  pooling?: HfPooling;
  source?: string;
}

export function createHfEncoder(config: HfEncoderConfig, options: CreateHfEncoderOptions): HfEncoder {
  const source = options.source ?? 'model.safetensors';
  const hasPooler = options.weights.has('pooler.dense.weight');
  const pooling = options.pooling ?? 'MEAN';
  if (pooling === 'POOLER' && !hasPooler) throw new HfModelError(`${source}: POOLER pooling needs pooler.dense.weight, which this checkpoint lacks; use MEAN or CLS`);
  const defs = weightDefs(config, hasPooler);
  const known = new Set(defs.map((d) => d.name));
  const unexpected = [...options.weights.keys()].filter((name) => !known.has(name) && !name.startsWith('pooler.'));
  if (unexpected.length > 0) throw new HfModelError(`${source}: tensors ${unexpected.slice(0, 5).join(', ')} do not belong to a ${config.layers}-layer ${config.modelType} encoder`);
  const fromEncoder = options.layout === 'encoder';

  const weights: NamedVariable[] = [];
  try {
    for (const def of defs) {
      const found = options.weights.get(def.name);
      if (!found) throw new HfModelError(`${source}: tensor ${def.name} is missing`);
      let values: Float32Array;
      if (fromEncoder) {
        values = found as Float32Array;
        const size = def.shape.reduce((a, b) => a * b, 1);
        if (values.length !== size) throw new HfModelError(`${source}: weight ${def.name} has ${values.length} values, expected ${size} for [${def.shape}]`);
      } else {
        const tensor = found as Tensor;
        const fileShape = def.linear ? [def.shape[1]!, def.shape[0]!] : def.shape;
        if (tensor.shape.join() !== fileShape.join()) {
          throw new HfModelError(`${source}: tensor ${def.name} has shape [${tensor.shape}], expected [${fileShape}] from config.json`);
        }
        values = def.linear ? transpose(tensor.values, fileShape[0]!, fileShape[1]!) : tensor.values;
      }
      const initial = tf.tensor(values, def.shape, 'float32');
      weights.push({ name: def.name, variable: tf.variable(initial) });
      initial.dispose();
    }
  } catch (error) {
    weights.forEach((w) => w.variable.dispose());
    throw error;
  }
  const byName = new Map(weights.map((w) => [w.name, w.variable]));
  const w = <R extends tf.Rank>(name: string) => byName.get(name)! as tf.Variable<R>;
  const { hiddenSize: d, heads, layers, layerNormEps: eps } = config;
  const headSize = d / heads;
  const offset = positionOffset(config);
  const roberta = config.modelType !== 'bert';
  const limit = maxTokens(config);
  const ln = (x: tf.Tensor2D, prefix: string) => layerNorm(x, w<tf.Rank.R1>(`${prefix}.weight`), w<tf.Rank.R1>(`${prefix}.bias`), eps);
  const linear = (x: tf.Tensor2D, prefix: string) => dense(x, w<tf.Rank.R2>(`${prefix}.weight`), w<tf.Rank.R1>(`${prefix}.bias`));

  const splitHeads = (x: tf.Tensor2D, rows: number, width: number) =>
    x.reshape([rows, width, heads, headSize]).transpose([0, 2, 1, 3]).reshape([rows * heads, width, headSize]) as tf.Tensor3D;

  const attention = (x: tf.Tensor2D, keyBias: tf.Tensor4D, rows: number, width: number, prefix: string): tf.Tensor2D => {
    const q = splitHeads(linear(x, `${prefix}.query`), rows, width);
    const k = splitHeads(linear(x, `${prefix}.key`), rows, width);
    const v = splitHeads(linear(x, `${prefix}.value`), rows, width);
    const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(headSize)), k, false, true).reshape([rows, heads, width, width]);
    const probabilities = tf.softmax(tf.add(scores, keyBias)).reshape([rows * heads, width, width]) as tf.Tensor3D;
    return tf.matMul(probabilities, v).reshape([rows, heads, width, headSize]).transpose([0, 2, 1, 3]).reshape([rows * width, d]) as tf.Tensor2D;
  };

  /** RoBERTa: real tokens count up from pad + 1 (skipping pads, so left padding does not shift them); pads get pad. */
  const positionIds = (batch: PaddedBatch): Int32Array => {
    const ids = new Int32Array(batch.rows * batch.width);
    for (let r = 0; r < batch.rows; r++) {
      let seen = 0;
      for (let t = 0; t < batch.width; t++) {
        const i = r * batch.width + t;
        ids[i] = batch.mask[i] ? offset + seen++ : config.padTokenId;
      }
    }
    return ids;
  };

  /** Call inside tf.tidy. */
  /** withPooler: also the pooler output (skipped when the caller pools otherwise: it costs a dense layer). */
  const compute = (batch: HfBatch, withPooler: boolean): { hidden: tf.Tensor3D; pooled: tf.Tensor2D | null } => {
    const { rows, width } = batch;
    if (width > limit) throw new RangeError(`batch width ${width} exceeds the ${limit} tokens ${config.modelType} positions allow`);
    const ids = tf.tensor2d(batch.ids, [rows, width], 'int32');
    const mask = tf.tensor2d(batch.mask, [rows, width]);
    let x = embeddingLookup(w<tf.Rank.R2>('embeddings.word_embeddings.weight'), ids) as tf.Tensor3D;
    const positionTable = w<tf.Rank.R2>('embeddings.position_embeddings.weight');
    x = tf.add(x, roberta ? embeddingLookup(positionTable, tf.tensor2d(positionIds(batch), [rows, width], 'int32')) : tf.slice(positionTable, [0, 0], [width, d]));
    const typeTable = w<tf.Rank.R2>('embeddings.token_type_embeddings.weight');
    x = tf.add(x, batch.tokenTypes ? embeddingLookup(typeTable, tf.tensor2d(batch.tokenTypes, [rows, width], 'int32')) : tf.slice(typeTable, [0, 0], [1, d]));
    let h = ln(x.reshape([rows * width, d]), 'embeddings.LayerNorm');
    const keyBias = tf.mul(tf.sub(mask, 1), 1e9).reshape([rows, 1, 1, width]) as tf.Tensor4D;
    for (let i = 0; i < layers; i++) {
      const l = `encoder.layer.${i}`;
      const input = h;
      // One scope per layer: its intermediates are freed as soon as it is done (a 6-layer
      // base-width pass of 32 x 128 tokens otherwise holds 3.2 GB, near WASM's 4 GB ceiling).
      // Under a gradient tape the tensors the backward pass needs are kept by the tape.
      h = tf.tidy(() => {
        const attended = ln(tf.add(input, linear(attention(input, keyBias, rows, width, `${l}.attention.self`), `${l}.attention.output.dense`)), `${l}.attention.output.LayerNorm`);
        return ln(tf.add(attended, linear(gelu(linear(attended, `${l}.intermediate.dense`)), `${l}.output.dense`)), `${l}.output.LayerNorm`);
      });
    }
    const hidden = h.reshape([rows, width, d]) as tf.Tensor3D;
    const pooled = hasPooler && withPooler ? tf.tanh(linear(firstToken(hidden), 'pooler.dense')) : null;
    return { hidden, pooled };
  };

  const forward = (batch: HfBatch) => {
    const [hidden, pooled] = tf.tidy(() => {
      const out = compute(batch, true);
      return out.pooled ? [out.hidden, out.pooled] : [out.hidden];
    });
    return { hidden: hidden as tf.Tensor3D, pooled: (pooled as tf.Tensor2D | undefined) ?? null };
  };

  const embed = (batch: HfBatch, { pooling: mode, normalize }: { pooling: HfPooling; normalize: boolean }): tf.Tensor2D =>
    tf.tidy(() => {
      if (mode === 'POOLER' && !hasPooler) throw new HfModelError('POOLER pooling needs a checkpoint with a pooler');
      const { hidden, pooled } = compute(batch, mode === 'POOLER');
      let vectors: tf.Tensor2D;
      switch (mode) {
        case 'MEAN':
          vectors = maskedMean(hidden, tf.tensor2d(batch.mask, [batch.rows, batch.width]));
          break;
        case 'CLS':
          vectors = firstToken(hidden);
          break;
        case 'POOLER':
          vectors = pooled!;
          break;
        default:
          throw new Error(`unknown pooling ${String(mode satisfies never)}`);
      }
      return normalize ? l2Normalize(vectors) : vectors;
    });

  return {
    config,
    hasPooler,
    pooling,
    weights,
    forward,
    embed,
    encode: (batch) => embed(batch, { pooling, normalize: true }),
    // A copy: the CPU backend's dataSync hands out the variable's own array.
    exportWeights: () => toHuggingFaceLayout(defs.map((def) => ({ name: def.name, shape: def.shape, values: Float32Array.from(byName.get(def.name)!.dataSync() as Float32Array) }))),
    dispose: () => weights.forEach((v) => v.variable.dispose()),
  };
}
