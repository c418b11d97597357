// Everything a run needs to continue exactly where it stopped: weights, optimizer moments, the
// sampler's position (the sampler is a pure function of its seed and position), the text
// pipeline's state, the open logging window and the early-stopping record.

import type { NamedWeights } from '../encoding/checkpoint.js';
import type { EarlyStoppingState } from './trainer-validation.js';

export interface TrainState {
  /** Steps completed. */
  step: number;
  /** Batches the training sampler has drawn. */
  samplerPosition: number;
  weights: NamedWeights[];
  /** Moments carry the names of the weights they belong to. */
  optimizer: { step: number; m: NamedWeights[]; v: NamedWeights[] };
  pipeline: unknown;
  /** Sums since the last log point, so a resumed run logs the same averages. */
  window: { loss: number; steps: number; pairs: number };
  lastLoss: number | null;
  earlyStopping: EarlyStoppingState;
  /** The weights at earlyStopping.bestStep, kept while early stopping is on and they differ from `weights`. */
  bestWeights?: NamedWeights[];
}
