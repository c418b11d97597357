// Text in, embeddings out: the tokenizer, the (pruned) vocabulary and the encoder of one model,
// built from a ModelSpec for training, or restored from a saved state and weights for resuming,
// evaluation and embedding jobs. The state is plain JSON; weights travel separately by name.
//
// Rows of the embedding table:
// - XLM_R: the tokenizer's ids (<s> … </s>, truncated to maxLength) through the pruned
//   vocabulary built from the training texts; row 0 padding, row 1 unknown.
// - HASHED: the hashed-subword ids themselves (0 is padding). BAG_OF_SUBWORDS keeps maxLength
//   words (each with its trigrams), as before; TRANSFORMER keeps maxLength tokens, the first
//   being an extra [CLS] row (row vocabularySize) when pooling is CLS.

import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ModelSpec } from '../../schema/training.js';
import { createBagOfSubwordsEncoder, type TextEncoder } from './encoder.js';
import { createTokenizer, type TokenizerConfig } from './tokenizer.js';
import { loadSubwordTokenizer, type SubwordTokenizer } from './tokenizer-json.js';
import { createPretrainedPipeline, restorePretrainedPipeline } from './pretrained.js';
import { assemble, type PipelineState, type TextPipeline, type ToRows } from './text-pipeline.js';
import { createTransformerEncoder, type NormPlacement } from './transformer.js';
import { buildVocabulary, restoreVocabulary, type Vocabulary } from './vocabulary.js';

export { assemble, type PipelineState, type PipelineTokenizerState, type TextPipeline } from './text-pipeline.js';

/** Where the XLM-R tokenizer lives under MODELS_DIR. */
export const XLMR_TOKENIZER_FILE = 'xlmr-tokenizer/tokenizer.json.gz';
const DEFAULT_CACHE_SIZE = 100_000;
const TEXTS_PER_YIELD = 2_000;


export interface CreatePipelineOptions {
  modelsDir: string;
  seed: number;
  /** Texts the vocabulary is pruned to (XLM_R); pass them as they will be tokenized (prefixed), so they are cached too. */
  trainingTexts: Iterable<string>;
  /** Tokenized texts kept in memory; default 100,000. */
  cacheSize?: number;
}

export interface RestorePipelineOptions {
  modelsDir: string;
  cacheSize?: number;
}

const TRANSFORMER_DEFAULTS = { norm: 'pre' as NormPlacement, layerNormEpsilon: 1e-5 };

export function createEncoder(model: ModelSpec, rows: number, seed: number, initial?: ReadonlyMap<string, Float32Array>, transformer = TRANSFORMER_DEFAULTS): TextEncoder {
  switch (model.family) {
    case 'BAG_OF_SUBWORDS':
      if (model.pooling !== 'MEAN') throw new Error(`${model.pooling} pooling needs a TRANSFORMER encoder`);
      return createBagOfSubwordsEncoder(model, seed, initial, rows);
    case 'TRANSFORMER':
      return createTransformerEncoder(model, { rows, seed, initial, ...transformer });
    case 'PRETRAINED':
      throw new Error('PRETRAINED encoders come from their model folder (pretrained.ts), not from a seed');
  }
}


function hashedRows(model: ModelSpec, config: TokenizerConfig, clsRow: number | null): ToRows {
  const tokenizer = createTokenizer(config);
  if (model.family === 'BAG_OF_SUBWORDS') return (text) => tokenizer.encode(text);
  const room = model.maxLength - (clsRow === null ? 0 : 1);
  return (text) => {
    const ids = tokenizer.encode(text).subarray(0, room);
    if (clsRow === null) return ids;
    const out = new Int32Array(ids.length + 1);
    out[0] = clsRow;
    out.set(ids, 1);
    return out;
  };
}


function xlmrRows(tokenizer: SubwordTokenizer, vocabulary: Vocabulary, maxLength: number): ToRows {
  return (text) => vocabulary.rows(tokenizer.encode(text, maxLength));
}

async function tokenizeAll(tokenizer: SubwordTokenizer, texts: Iterable<string>, maxLength: number): Promise<{ ids: Map<string, Int32Array>; counts: Map<string, number> }> {
  const ids = new Map<string, Int32Array>();
  const counts = new Map<string, number>();
  let done = 0;
  for (const text of texts) {
    counts.set(text, (counts.get(text) ?? 0) + 1);
    if (ids.has(text)) continue;
    ids.set(text, tokenizer.encode(text, maxLength));
    // Tokenizing a large corpus takes seconds: let heartbeats and cancellations through.
    if (++done % TEXTS_PER_YIELD === 0) await yieldToEventLoop();
  }
  return { ids, counts };
}

export async function createTextPipeline(model: ModelSpec, options: CreatePipelineOptions): Promise<TextPipeline> {
  const { modelsDir, seed, trainingTexts, cacheSize = DEFAULT_CACHE_SIZE } = options;
  if (model.family === 'PRETRAINED') return createPretrainedPipeline(model, { modelsDir, cacheSize });
  const transformer = model.family === 'TRANSFORMER' ? TRANSFORMER_DEFAULTS : undefined;
  switch (model.tokenizer) {
    case 'HASHED': {
      const config = createTokenizer({ vocabularySize: model.vocabularySize, maxLength: model.maxLength }).config;
      const clsRow = model.family === 'TRANSFORMER' && model.pooling === 'CLS' ? model.vocabularySize : null;
      const rows = model.vocabularySize + (clsRow === null ? 0 : 1);
      const state: PipelineState = { version: 1, model, tokenizer: { kind: 'HASHED', config, clsRow }, ...(transformer && { transformer }) };
      return assemble(model, state, rows, hashedRows(model, config, clsRow), createEncoder(model, rows, seed, undefined, transformer), cacheSize);
    }
    case 'XLM_R': {
      const tokenizer = await loadSubwordTokenizer(path.join(modelsDir, XLMR_TOKENIZER_FILE));
      const { ids, counts } = await tokenizeAll(tokenizer, trainingTexts, model.maxLength);
      const vocabulary = buildVocabulary(
        (function* () {
          for (const [text, n] of counts) for (let i = 0; i < n; i++) yield ids.get(text)!;
        })(),
        model.vocabularySize,
        { keep: [...tokenizer.prefixIds, ...tokenizer.suffixIds], unknownId: tokenizer.unknownId },
      );
      const tokenizerState = { kind: 'XLM_R' as const, file: XLMR_TOKENIZER_FILE, sha256: tokenizer.sha256, vocabulary: vocabulary.state() };
      const state: PipelineState = { version: 1, model, tokenizer: tokenizerState, ...(transformer && { transformer }) };
      const warm = (function* () {
        for (const [text, pieces] of ids) yield [text, vocabulary.rows(pieces)] as [string, Int32Array];
      })();
      const encoder = createEncoder(model, vocabulary.size, seed, undefined, transformer);
      return assemble(model, state, vocabulary.size, xlmrRows(tokenizer, vocabulary, model.maxLength), encoder, cacheSize, warm);
    }
    case 'PRETRAINED':
      throw new Error('the PRETRAINED tokenizer belongs to the PRETRAINED family');
  }
}

export async function restoreTextPipeline(state: PipelineState, weights: ReadonlyMap<string, Float32Array>, options: RestorePipelineOptions): Promise<TextPipeline> {
  const { modelsDir, cacheSize = DEFAULT_CACHE_SIZE } = options;
  if (state.version !== 1) throw new Error(`unsupported pipeline state version ${String(state.version)}`);
  const { model, tokenizer: t, transformer } = state;
  switch (t.kind) {
    case 'PRETRAINED':
      return restorePretrainedPipeline(state, weights, { modelsDir, cacheSize });
    case 'HASHED': {
      const rows = t.config.vocabularySize + (t.clsRow === null ? 0 : 1);
      return assemble(model, state, rows, hashedRows(model, t.config, t.clsRow), createEncoder(model, rows, 0, weights, transformer), cacheSize);
    }
    case 'XLM_R': {
      const tokenizer = await loadSubwordTokenizer(path.join(modelsDir, t.file));
      if (tokenizer.sha256 !== t.sha256) throw new Error(`${t.file} under ${modelsDir} is not the tokenizer this model was trained with (sha256 ${tokenizer.sha256}, expected ${t.sha256})`);
      const vocabulary = restoreVocabulary(t.vocabulary);
      const encoder = createEncoder(model, vocabulary.size, 0, weights, transformer);
      return assemble(model, state, vocabulary.size, xlmrRows(tokenizer, vocabulary, model.maxLength), encoder, cacheSize);
    }
  }
}
