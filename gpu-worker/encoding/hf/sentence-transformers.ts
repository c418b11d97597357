// The sentence-transformers description of an exported encoder, so that
// `SentenceTransformer(folder)` embeds as the platform does: the pooling it was trained with
// (mean, CLS, or BERT's pooler as a tanh Dense layer, as LaBSE is packaged), L2 normalisation,
// the token limit, and the role prefixes as named prompts ("query", "passage").

import type { HfPooling } from './encoder.js';
import { serializeSafetensors, type Tensor } from './safetensors.js';

export interface SentenceTransformersOptions {
  pooling: HfPooling;
  maxLength: number;
  prompts: { query: string; passage: string };
}

/** File path -> content of the sentence-transformers modules beside config.json and model.safetensors. */
export function sentenceTransformersFiles(hiddenSize: number, tensors: ReadonlyMap<string, Tensor>, options: SentenceTransformersOptions): Map<string, string | Uint8Array> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const modules: Array<{ idx: number; name: string; path: string; type: string }> = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  const files = new Map<string, string | Uint8Array>();
  files.set('1_Pooling/config.json', json({
    word_embedding_dimension: hiddenSize,
    pooling_mode_cls_token: options.pooling !== 'MEAN',
    pooling_mode_mean_tokens: options.pooling === 'MEAN',
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
  }));
  if (options.pooling === 'POOLER') {
    const weight = tensors.get('pooler.dense.weight');
    const bias = tensors.get('pooler.dense.bias');
    if (!weight || !bias) throw new Error('POOLER pooling needs the pooler tensors');
    modules.push({ idx: 2, name: '2', path: '2_Dense', type: 'sentence_transformers.models.Dense' });
    files.set('2_Dense/config.json', json({ in_features: hiddenSize, out_features: hiddenSize, bias: true, activation_function: 'torch.nn.modules.activation.Tanh' }));
    files.set('2_Dense/model.safetensors', serializeSafetensors(new Map([['linear.weight', weight], ['linear.bias', bias]])));
  }
  modules.push({ idx: modules.length, name: String(modules.length), path: `${modules.length}_Normalize`, type: 'sentence_transformers.models.Normalize' });
  files.set('modules.json', json(modules));
  files.set('sentence_bert_config.json', json({ max_seq_length: options.maxLength, do_lower_case: false }));
  files.set('config_sentence_transformers.json', json({ prompts: options.prompts, default_prompt_name: null, similarity_fn_name: 'cosine' }));
  return files;
}
