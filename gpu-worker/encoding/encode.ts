// Texts to a row-major embedding matrix, in batches: each batch's tensors live inside tf.tidy and
// are read back and disposed before the next one, so memory stays bounded by one batch. Texts are
// batched in order of length, since a batch is padded to its longest text: with mixed lengths
// most of the work would be padding.

import * as tf from '@tensorflow/tfjs';

/** [texts.length, d] embeddings of texts that carry their role prefix already. */
export type EmbedFn = (texts: readonly string[]) => tf.Tensor2D;

export interface EmbedOptions {
  /** Texts per forward pass (default 256). */
  batchSize?: number;
  /** Checked before every batch; an aborted signal throws its reason. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface Embeddings {
  /** Row i is the embedding of texts[i]. */
  values: Float32Array;
  dimension: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function embedTexts(embed: EmbedFn, texts: readonly string[], options: EmbedOptions = {}): Promise<Embeddings> {
  const { batchSize = 256, signal, onProgress } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const order = Array.from(texts.keys()).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
  let values = new Float32Array(0);
  let dimension = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    signal?.throwIfAborted();
    const rows = order.slice(start, start + batchSize);
    const out = tf.tidy(() => embed(rows.map((i) => texts[i]!)));
    let data: Float32Array;
    try {
      if (out.shape[0] !== rows.length) throw new Error(`the encoder returned ${out.shape[0]} embeddings for ${rows.length} texts`);
      data = out.dataSync() as Float32Array;
    } finally {
      out.dispose();
    }
    if (dimension === 0) {
      dimension = out.shape[1];
      values = new Float32Array(texts.length * dimension);
    }
    rows.forEach((i, r) => values.set(data.subarray(r * dimension, (r + 1) * dimension), i * dimension));
    onProgress?.(Math.min(order.length, start + batchSize), order.length);
    // Encoding is synchronous tensor work: let heartbeats and cancellations through.
    await yieldToEventLoop();
  }
  return { values, dimension };
}
