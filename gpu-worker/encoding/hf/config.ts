// The parts of a Hugging Face config.json that decide the forward pass of a BERT-family encoder.
// BERT (mBERT, LaBSE, multilingual MiniLM) and XLM-RoBERTa (XLM-R, multilingual-e5) share one
// architecture; they differ in position ids (RoBERTa models count positions from pad_token_id + 1
// over non-pad tokens) and in their tokenizer. Anything else is refused with what was expected,
// rather than silently computing something else.

export const HF_MODEL_TYPES = ['bert', 'xlm-roberta', 'roberta'] as const;
export type HfModelType = (typeof HF_MODEL_TYPES)[number];

export interface HfEncoderConfig {
  modelType: HfModelType;
  vocabSize: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  /** The file as read, written back on save so Hugging Face tools see every field they set. */
  raw: Record<string, unknown>;
}

export class HfModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HfModelError';
  }
}

const isRoberta = (type: HfModelType) => type !== 'bert';

/** Position ids start here for real tokens: 0 for BERT, pad_token_id + 1 for RoBERTa models. */
export const positionOffset = (config: HfEncoderConfig) => (isRoberta(config.modelType) ? config.padTokenId + 1 : 0);

/** Longest input (special tokens included) the position table allows. */
export const maxTokens = (config: HfEncoderConfig) => config.maxPositions - positionOffset(config);

export function parseHfConfig(json: unknown, source = 'config.json'): HfEncoderConfig {
  if (typeof json !== 'object' || json === null) throw new HfModelError(`${source}: expected a JSON object`);
  const raw = json as Record<string, unknown>;
  const modelType = raw.model_type;
  if (!HF_MODEL_TYPES.includes(modelType as HfModelType)) {
    throw new HfModelError(`${source}: model_type ${JSON.stringify(modelType)} is not supported; expected one of ${HF_MODEL_TYPES.join(', ')}`);
  }
  const int = (key: string, fallback?: number) => {
    const value = raw[key] ?? fallback;
    if (!Number.isInteger(value) || (value as number) < 0) throw new HfModelError(`${source}: ${key} must be a non-negative integer, got ${JSON.stringify(raw[key])}`);
    return value as number;
  };
  const activation = raw.hidden_act ?? 'gelu';
  if (activation !== 'gelu') {
    throw new HfModelError(`${source}: hidden_act ${JSON.stringify(activation)} is not supported; expected "gelu" (exact, erf-based)`);
  }
  const positions = raw.position_embedding_type ?? 'absolute';
  if (positions !== 'absolute') {
    throw new HfModelError(`${source}: position_embedding_type ${JSON.stringify(positions)} is not supported; expected "absolute"`);
  }
  const eps = raw.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) throw new HfModelError(`${source}: layer_norm_eps must be a positive number, got ${JSON.stringify(eps)}`);
  const config: HfEncoderConfig = {
    modelType: modelType as HfModelType,
    vocabSize: int('vocab_size'),
    hiddenSize: int('hidden_size'),
    layers: int('num_hidden_layers'),
    heads: int('num_attention_heads'),
    intermediateSize: int('intermediate_size'),
    maxPositions: int('max_position_embeddings'),
    typeVocabSize: int('type_vocab_size', 2),
    layerNormEps: eps,
    padTokenId: int('pad_token_id', 0),
    raw,
  };
  if (config.heads === 0 || config.hiddenSize % config.heads !== 0) {
    throw new HfModelError(`${source}: hidden_size ${config.hiddenSize} is not divisible by num_attention_heads ${config.heads}`);
  }
  if (maxTokens(config) < 2) throw new HfModelError(`${source}: max_position_embeddings ${config.maxPositions} leaves no room for tokens`);
  return config;
}

/** Parameters of the encoder (embeddings, layers, pooler when present). */
export function parameterCount(config: HfEncoderConfig, withPooler: boolean): number {
  const { vocabSize: v, hiddenSize: d, intermediateSize: f, maxPositions: p, typeVocabSize: t, layers } = config;
  const embeddings = (v + p + t) * d + 2 * d;
  const layer = 4 * (d * d + d) + 2 * (2 * d) + (d * f + f) + (f * d + d);
  return embeddings + layers * layer + (withPooler ? d * d + d : 0);
}

/** config.json for a saved encoder: the original fields, with the architecture of a bare encoder. */
export function configForSave(config: HfEncoderConfig): Record<string, unknown> {
  const architecture = config.modelType === 'bert' ? 'BertModel' : config.modelType === 'xlm-roberta' ? 'XLMRobertaModel' : 'RobertaModel';
  return { ...config.raw, architectures: [architecture], torch_dtype: 'float32' };
}
