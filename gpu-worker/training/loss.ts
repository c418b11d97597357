// InfoNCE with in-batch negatives: row i's positive is passage i, every other passage of the
// batch and every hard negative (extra columns) is a negative. Inputs are L2-normalised, so the
// logits are cosines times `scale` (1 / temperature). The symmetric form also asks each passage
// to pick its query among the batch's queries (hard negatives have no query, so they take no
// part in that term) and averages the two directions, which keeps the loss on the same scale
// (chance level ln(batch)) with or without it.

import * as tf from '@tensorflow/tfjs';

export interface InfoNceOptions {
  scale: number;
  /** Extra negative passages for every query, [negatives, dimension]; none when absent or empty. */
  hardNegatives?: tf.Tensor2D | undefined;
  /** Adds the passage-to-query term. */
  symmetric?: boolean;
}

/** Mean over rows of logSumExp(row) - row[diagonal]: cross-entropy with the diagonal as target. */
function diagonalCrossEntropy(logits: tf.Tensor2D, positives: tf.Tensor1D): tf.Scalar {
  return tf.mean(tf.sub(tf.logSumExp(logits, 1), positives));
}

export function infoNce(queries: tf.Tensor2D, passages: tf.Tensor2D, options: InfoNceOptions): tf.Scalar {
  const { scale, hardNegatives, symmetric = false } = options;
  return tf.tidy(() => {
    const positives = tf.sum(tf.mul(queries, passages), 1).mul(scale) as tf.Tensor1D;
    const inBatch = tf.matMul(queries, passages, false, true).mul(scale) as tf.Tensor2D;
    const logits = hardNegatives && hardNegatives.shape[0] > 0 ? tf.concat([inBatch, tf.matMul(queries, hardNegatives, false, true).mul(scale)], 1) : inBatch;
    const queryToPassage = diagonalCrossEntropy(logits as tf.Tensor2D, positives);
    if (!symmetric) return queryToPassage;
    const passageToQuery = diagonalCrossEntropy(inBatch.transpose() as tf.Tensor2D, positives);
    return tf.add(queryToPassage, passageToQuery).div(2) as tf.Scalar;
  });
}
