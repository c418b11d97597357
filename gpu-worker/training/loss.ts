// InfoNCE with in-batch negatives: row i's positive is passage i, every other passage of the
// batch (and any hard negatives) is a negative. Inputs are L2-normalised, so the logits are
// cosines times `scale` (1 / temperature).

import * as tf from '@tensorflow/tfjs';

export function infoNce(queries: tf.Tensor2D, passages: tf.Tensor2D, scale: number, hardNegatives?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const candidates = hardNegatives ? tf.concat([passages, hardNegatives], 0) : passages;
    const logits = tf.matMul(queries, candidates, false, true).mul(scale);
    const positives = tf.sum(tf.mul(queries, passages), 1).mul(scale);
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), positives)) as tf.Scalar;
  });
}
