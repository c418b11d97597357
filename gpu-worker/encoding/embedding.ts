// Embedding lookup with a scatter-based gradient. tf.gather's own gradient goes through
// UnsortedSegmentSum, which the WASM backend lacks and the CPU backend runs as a loop over every
// vocabulary row (minutes per step at realistic vocabulary sizes). Scattering the incoming
// gradient rows into the table shape with scatterND (which sums repeated ids) gives the same
// dense gradient and runs on every backend.
//
// The forward gather is slow too on the WASM and CPU backends (about 65 ns per value copied: most
// of a bag-of-subwords forward pass). Their tensors live in this process's memory, so there the
// rows are copied in JavaScript instead, several times faster; device backends keep tf.gather.

import * as tf from '@tensorflow/tfjs';

// native-cpu has a native GatherV2, faster than either.
const HOST_MEMORY_BACKENDS: ReadonlySet<string> = new Set(['wasm', 'cpu']);

/**
 * The table's values where they live. WASM's dataSync copies the whole tensor out of its heap
 * (768 MB for XLM-R's word embeddings, on every lookup); a view is enough for reading some rows.
 */
function hostValues(table: tf.Tensor2D): Float32Array {
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
  return tf.getBackend() === 'wasm' && backend.typedArrayFromHeap ? backend.typedArrayFromHeap(table) : (table.dataSync() as Float32Array);
}

/** Rows `ids` (int32, 1-D) of `table`: [ids.size, dimension]. */
function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (!HOST_MEMORY_BACKENDS.has(tf.getBackend())) return tf.gather(table, ids);
  const [vocabulary, dimension] = table.shape;
  const rows = ids.dataSync() as Int32Array;
  const values = hostValues(table); // a heap view: read it before anything allocates tensors
  const out = new Float32Array(rows.length * dimension);
  for (let i = 0; i < rows.length; i++) {
    const id = rows[i]!;
    if (!(id >= 0 && id < vocabulary)) throw new RangeError(`embedding id ${id} is not in [0, ${vocabulary - 1}]`);
    out.set(values.subarray(id * dimension, (id + 1) * dimension), i * dimension);
  }
  return tf.tensor2d(out, [rows.length, dimension]);
}

/** table [vocabulary, dimension], ids int32 of any shape; returns [...ids.shape, dimension]. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [vocabulary, dimension] = table.shape;
  const lookup = tf.customGrad((t, save) => {
    // `ids` may belong to a tidy scope that ends before backpropagation; saved tensors are kept
    // by the engine until the gradient has run.
    (save as tf.GradSaveFunc)([ids]);
    return {
      value: gatherRows(t as tf.Tensor2D, ids.reshape([-1])).reshape([...ids.shape, dimension]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.scatterND(saved[0]!.reshape([-1, 1]), dy.reshape([-1, dimension]), [vocabulary, dimension]),
    };
  });
  return lookup(table);
}
