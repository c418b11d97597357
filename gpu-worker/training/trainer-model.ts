// What the training loop needs of a model: its variables, texts in, L2-normalised embeddings out,
// and a JSON state that rebuilds its text side (tokenizer, pruned vocabulary) with the weights.
// The factory creates one for a new run or restores one from a checkpoint; the text pipeline
// (pipeline.ts) provides both for every family and tokenizer.

import type * as tf from '@tensorflow/tfjs';
import { isDeepStrictEqual } from 'node:util';
import type { ModelSpec } from '../../schema/training.js';
import type { NamedVariable } from '../encoding/encoder.js';
import { createTextPipeline, restoreTextPipeline, type PipelineState, type TextPipeline } from '../encoding/pipeline.js';

export interface TrainableModel {
  readonly weights: readonly NamedVariable[];
  /** [texts.length, dimension], rows of unit length. Texts carry their role prefix already. */
  embed(texts: readonly string[]): tf.Tensor2D;
  /** Rebuilds the text side together with the weights; stored in checkpoints as is. */
  readonly state: unknown;
  dispose(): void;
}

export interface ModelFactory {
  /** trainingTexts: prefixed as they will be embedded; XLM_R prunes its vocabulary to them. */
  create(model: ModelSpec, options: { seed: number; trainingTexts: readonly string[] }): Promise<TrainableModel>;
  restore(model: ModelSpec, state: unknown, weights: ReadonlyMap<string, Float32Array>): Promise<TrainableModel>;
}

function trainable(pipeline: TextPipeline): TrainableModel {
  return {
    weights: pipeline.encoder.weights,
    embed: (texts) => pipeline.encoder.encode(pipeline.tokenize(texts)),
    state: pipeline.state(),
    dispose: () => pipeline.dispose(),
  };
}

/** Models through the text pipeline; modelsDir holds the XLM-R tokenizer. */
export function pipelineModels(modelsDir: string): ModelFactory {
  return {
    create: async (model, { seed, trainingTexts }) => trainable(await createTextPipeline(model, { modelsDir, seed, trainingTexts })),
    async restore(model, state, weights) {
      const saved = state as PipelineState;
      if (saved?.version !== 1 || !isDeepStrictEqual(saved.model, model)) throw new Error('the checkpoint pipeline does not match the run');
      return trainable(await restoreTextPipeline(saved, weights, { modelsDir }));
    },
  };
}
