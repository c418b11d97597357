// What a text pipeline is (tokenizer rows + encoder + token cache) and how one is put together,
// shared by the platform's own model families (pipeline.ts) and PRETRAINED models (pretrained.ts),
// which pipeline.ts dispatches to: keeping both here spares them importing each other.

import type { ModelSpec } from '../../schema/training.js';
import type { TextEncoder } from './encoder.js';
import { createLruCache } from './pipeline-cache.js';
import { padBatch, type PaddedBatch, type TokenizerConfig } from './tokenizer.js';
import type { NormPlacement } from './transformer.js';
import type { VocabularyState } from './vocabulary.js';

export type PipelineTokenizerState =
  | { kind: 'XLM_R'; /** Relative to MODELS_DIR. */ file: string; sha256: string; vocabulary: VocabularyState }
  | { kind: 'HASHED'; config: TokenizerConfig; clsRow: number | null }
  | { kind: 'PRETRAINED'; /** sha256 of the model folder's tokenizer.json (the folder is model.pretrained.path). */ sha256: string };

export interface PipelineState {
  version: 1;
  model: ModelSpec;
  tokenizer: PipelineTokenizerState;
  /** TRANSFORMER only. */
  transformer?: { norm: NormPlacement; layerNormEpsilon: number };
  /** PRETRAINED only: the base model's config.json, which shapes the weights. */
  pretrained?: { config: Record<string, unknown> };
}

export interface TextPipeline {
  readonly model: ModelSpec;
  readonly encoder: TextEncoder;
  /** Rows of the token embedding table. */
  readonly rows: number;
  tokenize(texts: readonly string[]): PaddedBatch;
  state(): PipelineState;
  dispose(): void;
}

/** Text to rows of the embedding table. */
export type ToRows = (text: string) => Int32Array;

export function assemble(model: ModelSpec, state: PipelineState, rows: number, toRows: ToRows, encoder: TextEncoder, cacheSize: number, warm: Iterable<[string, Int32Array]> = []): TextPipeline {
  const cache = createLruCache<string, Int32Array>(cacheSize);
  for (const [text, ids] of warm) cache.set(text, ids);
  const rowsOf = (text: string) => {
    let ids = cache.get(text);
    if (!ids) cache.set(text, (ids = toRows(text)));
    return ids;
  };
  return {
    model,
    encoder,
    rows,
    tokenize: (texts) => padBatch(texts.map(rowsOf)),
    state: () => structuredClone(state),
    dispose: () => encoder.dispose(),
  };
}
