// A TrainState (trainer-state.ts) as checkpoint contents: the model weights as the checkpoint's
// weights (what evaluation and serving read), the optimizer moments and the best weights as
// training tensors under prefixed names, and the rest as the manifest's training record.

import type { CheckpointInfo, CheckpointManifest, NamedWeights } from '../encoding/checkpoint.js';
import type { TrainState } from './trainer-state.js';

const MOMENT_M = 'optimizer.m/';
const MOMENT_V = 'optimizer.v/';
const BEST = 'best/';
export const TRAINING_RECORD_VERSION = 1;

export interface TrainingRecord {
  version: typeof TRAINING_RECORD_VERSION;
  samplerPosition: number;
  optimizerStep: number;
  hasBestWeights: boolean;
  window: TrainState['window'];
  lastLoss: number | null;
  earlyStopping: TrainState['earlyStopping'];
}

const prefixed = (prefix: string, list: readonly NamedWeights[]) => list.map((w) => ({ ...w, name: prefix + w.name }));

export function checkpointContents(state: TrainState): { training: NonNullable<CheckpointInfo['training']>; weights: NamedWeights[] } {
  const record: TrainingRecord = {
    version: TRAINING_RECORD_VERSION,
    samplerPosition: state.samplerPosition,
    optimizerStep: state.optimizer.step,
    hasBestWeights: state.bestWeights !== undefined,
    window: state.window,
    lastLoss: state.lastLoss,
    earlyStopping: state.earlyStopping,
  };
  const tensors = [...prefixed(MOMENT_M, state.optimizer.m), ...prefixed(MOMENT_V, state.optimizer.v), ...prefixed(BEST, state.bestWeights ?? [])];
  return { training: { record, tensors }, weights: state.weights };
}

/** The state saved in a resumable checkpoint; throws when the checkpoint is not one. */
export function stateFromCheckpoint(
  manifest: CheckpointManifest,
  weights: ReadonlyMap<string, Float32Array>,
  tensors: ReadonlyMap<string, Float32Array>,
): TrainState {
  const record = manifest.training?.record as TrainingRecord | undefined;
  if (!record || record.version !== TRAINING_RECORD_VERSION) throw new Error(`step ${manifest.step}: not a resumable checkpoint`);
  const shapes = new Map(manifest.weights.map((w) => [w.name, w.shape]));
  const names = manifest.weights.map((w) => w.name);
  const read = (from: ReadonlyMap<string, Float32Array>, prefix: string) =>
    names.map((name) => {
      const values = from.get(prefix + name);
      if (!values) throw new Error(`step ${manifest.step}: checkpoint lacks ${prefix + name}`);
      return { name, shape: shapes.get(name)!, values };
    });
  return {
    step: manifest.step,
    samplerPosition: record.samplerPosition,
    weights: read(weights, ''),
    optimizer: { step: record.optimizerStep, m: read(tensors, MOMENT_M), v: read(tensors, MOMENT_V) },
    pipeline: manifest.tokenizer,
    window: record.window,
    lastLoss: record.lastLoss,
    earlyStopping: record.earlyStopping,
    ...(record.hasBestWeights ? { bestWeights: read(tensors, BEST) } : {}),
  };
}
