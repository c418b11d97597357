// The validation loss and early stopping. Validation batches are drawn once, from the held-out
// groups (sampler-split.ts), with the run's strategy: round(alpha * n) monolingual batches and
// the rest cross-lingual, so that every validation measures the same fixed set.

import * as tf from '@tensorflow/tfjs';
import { nonRetryable } from '../../schema/jobs.js';
import type { TrainingSpec } from '../../schema/training.js';
import { createBatchSampler, largestBatch, type BatchMode, type ParallelSource } from './sampler.js';
import { PAIR_KEYS, batchLoss, batchTexts, type LossParameters, type PairText, type TextBatch } from './trainer-batch.js';
import type { TrainableModel } from './trainer-model.js';

/** Bounds on the number of fixed validation batches: enough to mix modes, few enough to stay cheap. */
const MIN_BATCHES = 2;
const MAX_BATCHES = 8;
/** Validation batches are drawn with their own stream, so they do not depend on training's. */
const VALIDATION_SEED_SALT = 0x5eed;

export interface ValidationSet {
  batches: TextBatch[];
  /** Pairs per batch: the run's batch size, or less when the held-out groups cannot fill it. */
  batchSize: number;
  groups: number;
}

export function buildValidationSet(held: readonly ParallelSource<PairText>[], spec: TrainingSpec): ValidationSet | null {
  const { hyperParameters: hp, languages } = spec;
  if (hp.validationFraction === 0) return null;
  // A sweep's shared validation, else the run's own settings.
  const shared = hp.validationSet;
  const alpha = shared?.alpha ?? spec.alpha;
  const seed = shared?.seed ?? spec.seed;
  const options = { languages, alpha, keys: PAIR_KEYS };
  const usable = held.filter((s) => largestBatch(s, options) >= 2);
  const groups = held.reduce((n, s) => n + s.groups.length, 0);
  if (usable.length === 0) {
    throw nonRetryable(
      `validationFraction ${hp.validationFraction} holds out ${groups} groups, too few for a validation batch of 2 pairs` +
        ` in every mode of ${spec.strategy}; raise validationFraction, or set it to 0 to train without validation`,
    );
  }
  const batchSize = Math.min(shared?.batchSize ?? hp.batchSize, ...usable.map((s) => largestBatch(s, options)));
  const usableGroups = usable.reduce((n, s) => n + s.groups.length, 0);
  const count = Math.min(MAX_BATCHES, Math.max(MIN_BATCHES, Math.ceil(usableGroups / batchSize)));
  const mono = Math.round(alpha * count);
  const sampler = createBatchSampler(usable, { languages, alpha, batchSize, seed: seed ^ VALIDATION_SEED_SALT, keys: PAIR_KEYS });
  const modes: BatchMode[] = Array.from({ length: count }, (_, i) => (i < mono ? 'MONO' : 'CROSS'));
  return { batches: modes.map((mode) => batchTexts(sampler.next(mode))), batchSize, groups };
}

/** Mean loss over the fixed batches; no gradients, nothing left allocated. */
export function validationLoss(model: TrainableModel, set: ValidationSet, hp: LossParameters): number {
  let total = 0;
  for (const batch of set.batches) total += tf.tidy(() => batchLoss(model, batch, hp).dataSync()[0]!);
  return total / set.batches.length;
}

export interface EarlyStoppingState {
  bestLoss: number | null;
  bestStep: number | null;
  /** Validations since the best one. */
  sinceImprovement: number;
  lastLoss: number | null;
}

export const INITIAL_EARLY_STOPPING: EarlyStoppingState = { bestLoss: null, bestStep: null, sinceImprovement: 0, lastLoss: null };

/** Tracks the best validation loss; with patience p > 0, says stop after p validations without a strictly lower loss. */
export function createEarlyStopping(patience: number, initial: EarlyStoppingState = INITIAL_EARLY_STOPPING) {
  let state = { ...initial };
  return {
    observe(step: number, loss: number): { improved: boolean; stop: boolean } {
      const improved = state.bestLoss === null || loss < state.bestLoss;
      state = improved
        ? { bestLoss: loss, bestStep: step, sinceImprovement: 0, lastLoss: loss }
        : { ...state, sinceImprovement: state.sinceImprovement + 1, lastLoss: loss };
      return { improved, stop: patience > 0 && state.sinceImprovement >= patience };
    },
    state: (): EarlyStoppingState => ({ ...state }),
  };
}
