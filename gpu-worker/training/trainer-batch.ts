// From a sampled batch to its loss: prefixed texts (E5 convention), the hard negatives the batch
// carries, and InfoNCE over the model's embeddings. Training steps and validation share this, so
// the validation loss measures exactly the training objective.

import type * as tf from '@tensorflow/tfjs';
import type { BatchComposition } from '../../schema/events.js';
import type { HyperParameters } from '../../schema/training.js';
import type { PairText } from '../data/types.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../encoding/encoder.js';
import { infoNce } from './loss.js';
import type { Batch, TextKeys } from './sampler.js';
import type { TrainableModel } from './trainer-model.js';

export type { PairText };

/** Texts that must not repeat within a batch (sampler.ts). */
export const PAIR_KEYS: TextKeys<PairText> = { query: (item) => item.query, passage: (item) => item.passage };

export interface TextBatch {
  queries: string[];
  /** passages[i] is the positive of queries[i]. */
  passages: string[];
  /** Extra negatives for every query; possibly none. */
  hardNegatives: string[];
  composition: BatchComposition;
}

/**
 * Hard negatives come from the passage side of each pair. One that equals a positive of the
 * batch would be a false negative (another query's answer), so it is dropped, as are repeats.
 */
export function batchTexts(batch: Batch<PairText>): TextBatch {
  const positives = new Set(batch.pairs.map((p) => p.passage.passage));
  const negatives = new Set<string>();
  for (const { passage } of batch.pairs) {
    const negative = passage.hardNegative;
    if (negative !== undefined && negative !== '' && !positives.has(negative)) negatives.add(negative);
  }
  return {
    queries: batch.pairs.map((p) => QUERY_PREFIX + p.query.query),
    passages: batch.pairs.map((p) => PASSAGE_PREFIX + p.passage.passage),
    hardNegatives: [...negatives].map((n) => PASSAGE_PREFIX + n),
    composition: batch.composition,
  };
}

export type LossParameters = Pick<HyperParameters, 'scale' | 'symmetricLoss'>;

/** Call inside tf.tidy or a gradient function. */
export function batchLoss(model: TrainableModel, batch: TextBatch, hp: LossParameters): tf.Scalar {
  return infoNce(model.embed(batch.queries), model.embed(batch.passages), {
    scale: hp.scale,
    hardNegatives: batch.hardNegatives.length > 0 ? model.embed(batch.hardNegatives) : undefined,
    symmetric: hp.symmetricLoss,
  });
}
