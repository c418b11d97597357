// Text pipelines of PRETRAINED models: a registered Hugging Face folder's tokenizer and encoder,
// started from its own weights (a new run) or from a platform checkpoint's (resume, evaluation,
// serving). The folder must be readable by every process that uses the model; its path is
// resolved against that process's MODELS_DIR when relative.

import path from 'node:path';
import type { ModelSpec } from '../../schema/training.js';
import { parseHfConfig } from './hf/config.js';
import { createHfEncoder } from './hf/encoder.js';
import { loadHfEncoder, loadHfTokenizer } from './hf/model.js';
import { assemble, type PipelineState, type TextPipeline } from './text-pipeline.js';
import type { SubwordTokenizer } from './tokenizer-json.js';

export function pretrainedDir(model: ModelSpec, modelsDir: string): string {
  if (!model.pretrained) throw new Error('a PRETRAINED model spec needs pretrained.path');
  return path.resolve(modelsDir, model.pretrained.path);
}

const rowsOf = (tokenizer: SubwordTokenizer, maxLength: number) => (text: string) => tokenizer.encode(text, maxLength);

export async function createPretrainedPipeline(model: ModelSpec, options: { modelsDir: string; cacheSize: number }): Promise<TextPipeline> {
  const dir = pretrainedDir(model, options.modelsDir);
  const tokenizer = await loadHfTokenizer(dir);
  const { config, encoder } = await loadHfEncoder(dir, { pooling: model.pooling });
  const state: PipelineState = { version: 1, model, tokenizer: { kind: 'PRETRAINED', sha256: tokenizer.sha256 }, pretrained: { config: config.raw } };
  return assemble(model, state, config.vocabSize, rowsOf(tokenizer, model.maxLength), encoder, options.cacheSize);
}

export async function restorePretrainedPipeline(state: PipelineState, weights: ReadonlyMap<string, Float32Array>, options: { modelsDir: string; cacheSize: number }): Promise<TextPipeline> {
  const { model, tokenizer: t } = state;
  if (t.kind !== 'PRETRAINED' || !state.pretrained) throw new Error('not the state of a PRETRAINED pipeline');
  const dir = pretrainedDir(model, options.modelsDir);
  const tokenizer = await loadHfTokenizer(dir);
  if (tokenizer.sha256 !== t.sha256) {
    throw new Error(`${path.join(dir, 'tokenizer.json')} is not the tokenizer this model was trained with (sha256 ${tokenizer.sha256}, expected ${t.sha256})`);
  }
  const config = parseHfConfig(state.pretrained.config, `config.json of ${model.pretrained?.name ?? dir}`);
  const encoder = createHfEncoder(config, { weights, layout: 'encoder', pooling: model.pooling, source: 'checkpoint' });
  return assemble(model, state, config.vocabSize, rowsOf(tokenizer, model.maxLength), encoder, options.cacheSize);
}
