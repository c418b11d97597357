// Embedding lookup with a scatter-based gradient. tf.gather's own gradient goes through
// UnsortedSegmentSum, which the WASM backend lacks and the CPU backend runs as a loop over every
// vocabulary row (minutes per step at realistic vocabulary sizes). Scattering the incoming
// gradient rows into the table shape with scatterND (which sums repeated ids) gives the same
// dense gradient and runs on every backend.

import * as tf from '@tensorflow/tfjs';

/** table [vocabulary, dimension], ids int32 of any shape; returns [...ids.shape, dimension]. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [vocabulary, dimension] = table.shape;
  const lookup = tf.customGrad((t, save) => {
    // `ids` may belong to a tidy scope that ends before backpropagation; saved tensors are kept
    // by the engine until the gradient has run.
    (save as tf.GradSaveFunc)([ids]);
    return {
      value: tf.gather(t as tf.Tensor2D, ids.reshape([-1])).reshape([...ids.shape, dimension]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.scatterND(saved[0]!.reshape([-1, 1]), dy.reshape([-1, dimension]), [vocabulary, dimension]),
    };
  });
  return lookup(table);
}
