// Texts in, vectors out, with a Hugging Face encoder and its own tokenizer: what the gateway's
// `embed` query runs. With prefix off, mean pooling and no normalisation this is exactly
// transformers' masked mean of the last hidden states.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../encoder.js';
import { padBatch } from '../tokenizer.js';
import type { SubwordTokenizer } from '../tokenizer-json.js';
import type { EncodingRole } from '../checkpoint-encoder.js';
import type { HfEncoder, HfPooling } from './encoder.js';

export interface HfEmbedOptions {
  role: EncodingRole;
  /** Prepend the platform's role prefix ("Query: " / "Passage: ") as its fine-tuned models expect. */
  prefix: boolean;
  pooling: HfPooling;
  normalize: boolean;
  /** Tokens kept per text, special tokens included. */
  maxLength: number;
  /** Texts per forward pass (default 32). */
  batchSize?: number;
}

export function rolePrefix(role: EncodingRole): string {
  switch (role) {
    case 'QUERY':
      return QUERY_PREFIX;
    case 'PASSAGE':
      return PASSAGE_PREFIX;
    default:
      throw new Error(`unknown role ${String(role satisfies never)}`);
  }
}

export async function embedWithHfModel(model: { tokenizer: SubwordTokenizer; encoder: HfEncoder }, texts: readonly string[], options: HfEmbedOptions): Promise<Float32Array[]> {
  const prefix = options.prefix ? rolePrefix(options.role) : '';
  const batchSize = options.batchSize ?? 32;
  // Similar lengths share a batch, so little is spent on padding; results go back in input order.
  const ids = texts.map((text) => model.tokenizer.encode(prefix + text, options.maxLength));
  const order = ids.map((_, i) => i).sort((a, b) => ids[a]!.length - ids[b]!.length);
  const out: Float32Array[] = new Array(texts.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const chunk = order.slice(start, start + batchSize);
    const vectors = model.encoder.embed(padBatch(chunk.map((i) => ids[i]!)), { pooling: options.pooling, normalize: options.normalize });
    const values = (await vectors.data()) as Float32Array;
    vectors.dispose();
    const width = values.length / chunk.length;
    chunk.forEach((i, row) => (out[i] = values.slice(row * width, (row + 1) * width)));
    await yieldToEventLoop();
  }
  return out;
}
