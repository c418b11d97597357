// A checkpoint's encoder, ready to embed texts in either role: what serving needs from a trained
// model. Texts get the role prefix the checkpoint was trained with (its manifest's, not today's
// defaults) and go through the same batched path as evaluation, so a query embedded here is the
// vector the evaluator ranked with.

import { loadCheckpoint } from './checkpoint.js';
import { embedTexts } from './encode.js';
import { restoreTextPipeline, type PipelineState, type TextPipeline } from './pipeline.js';

export type EncodingRole = 'QUERY' | 'PASSAGE';

export interface EmbedCallOptions {
  /** Texts per forward pass (default 256). */
  batchSize?: number;
  signal?: AbortSignal;
}

export interface CheckpointEncoder {
  readonly pipeline: TextPipeline;
  readonly dimension: number;
  readonly queryPrefix: string;
  readonly passagePrefix: string;
  /** One L2-normalised vector per text, in the order given; texts are passed without prefix. */
  embed(texts: readonly string[], role: EncodingRole, options?: EmbedCallOptions): Promise<Float32Array[]>;
  dispose(): void;
}

export interface LoadEncoderOptions {
  /** Where the tokenizer files of XLM_R models live (MODELS_DIR). */
  modelsDir: string;
  /** Tokenized texts the pipeline remembers (default: the pipeline's). */
  cacheSize?: number;
}

/** Reads the checkpoint once; the caller owns the result and disposes it. A TF.js backend must be set up first. */
export async function loadCheckpointEncoder(checkpointDir: string, options: LoadEncoderOptions): Promise<CheckpointEncoder> {
  const { manifest, weights } = await loadCheckpoint(checkpointDir);
  const pipeline = await restoreTextPipeline(manifest.tokenizer as PipelineState, weights, options);
  const { queryPrefix, passagePrefix } = manifest;
  const prefixOf = (role: EncodingRole) => {
    switch (role) {
      case 'QUERY':
        return queryPrefix;
      case 'PASSAGE':
        return passagePrefix;
      default:
        throw new Error(`unknown role ${String(role satisfies never)}`);
    }
  };
  return {
    pipeline,
    dimension: manifest.model.dimension,
    queryPrefix,
    passagePrefix,
    async embed(texts, role, embedOptions = {}) {
      const prefix = prefixOf(role);
      const { values, dimension } = await embedTexts(
        (batch) => pipeline.encoder.encode(pipeline.tokenize(batch)),
        texts.map((text) => prefix + text),
        embedOptions,
      );
      // Copies, so that a kept vector does not pin the whole batch's buffer.
      return texts.map((_, i) => values.slice(i * dimension, (i + 1) * dimension));
    },
    dispose: () => pipeline.dispose(),
  };
}
