// A Hugging Face model folder on local disk: config.json, model.safetensors and (to embed text)
// tokenizer.json. `inspectHfModel` reads only the config and the safetensors header, so a gateway
// can register a 2 GB model without loading it; `loadHfEncoder` builds the TF.js encoder;
// `saveHfModel` writes a folder that Hugging Face tools load (BertModel / XLMRobertaModel names,
// F32 safetensors, the original config, the tokenizer copied).

import { createHash } from 'node:crypto';
import { copyFile, mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../../vectors/files.js';
import { loadSubwordTokenizer, type SubwordTokenizer } from '../tokenizer-json.js';
import { configForSave, HfModelError, maxTokens, parameterCount, parseHfConfig, type HfEncoderConfig } from './config.js';
import { createHfEncoder, expectedFileShapes, selectEncoderTensors, type HfEncoder, type HfPooling } from './encoder.js';
import { parseSafetensors, readSafetensorsHeader, serializeSafetensors, type Tensor } from './safetensors.js';
import { sentenceTransformersFiles, type SentenceTransformersOptions } from './sentence-transformers.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const TOKENIZER_FILE = 'tokenizer.json';

export interface HfModelInfo {
  dir: string;
  config: HfEncoderConfig;
  parameters: number;
  hasPooler: boolean;
  /** Longest input, special tokens included. */
  maxTokens: number;
  /** tokenizer.json is there (needed to embed text; not to run on token ids). */
  hasTokenizer: boolean;
  /** sha256 of model.safetensors' header: changes when the tensors' names, shapes or layout change. */
  headerSha256: string;
}

async function need(dir: string, file: string, why: string): Promise<string> {
  const full = path.join(dir, file);
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) throw new HfModelError(`${full} is missing: a model folder needs ${why}`);
  return full;
}

async function readConfig(dir: string): Promise<HfEncoderConfig> {
  const file = await need(dir, CONFIG_FILE, 'config.json (model_type bert or xlm-roberta)');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new HfModelError(`${file}: not JSON (${(error as Error).message})`);
  }
  return parseHfConfig(json, file);
}

/** Reads config.json and model.safetensors' header; checks that the tensors fit the config. */
export async function inspectHfModel(dir: string): Promise<HfModelInfo> {
  const resolved = path.resolve(dir);
  const info = await stat(resolved).catch(() => null);
  if (!info?.isDirectory()) throw new HfModelError(`${resolved} is not a folder; expected a Hugging Face model folder with config.json and model.safetensors`);
  const config = await readConfig(resolved);
  const weightsFile = await need(resolved, WEIGHTS_FILE, 'model.safetensors (pytorch_model.bin is not read)');
  const handle = await open(weightsFile, 'r');
  let headerBytes: Uint8Array;
  try {
    const length = Buffer.alloc(8);
    await handle.read(length, 0, 8, 0);
    const headerLength = Number(length.readBigUInt64LE(0));
    if (headerLength > 100 << 20) throw new HfModelError(`${weightsFile}: header length ${headerLength} is not plausible`);
    headerBytes = Buffer.alloc(8 + headerLength);
    await handle.read(headerBytes, 0, headerBytes.length, 0);
  } finally {
    await handle.close();
  }
  const { tensors } = readSafetensorsHeader(headerBytes, weightsFile, (await stat(weightsFile)).size);
  const headers = new Map([...tensors].map(([name, t]) => [name, { shape: t.shape, values: new Float32Array(0), dtype: t.dtype }]));
  const { weights } = selectEncoderTensors(headers, weightsFile);
  const hasPooler = weights.has('pooler.dense.weight');
  // Every tensor's name, shape and dtype, so that a folder that registers also loads.
  for (const [name, shape] of expectedFileShapes(config, hasPooler)) {
    const found = weights.get(name);
    if (!found) throw new HfModelError(`${weightsFile}: tensor ${name} is missing (config.json: ${config.layers} layers, hidden ${config.hiddenSize})`);
    if (found.shape.join() !== shape.join()) throw new HfModelError(`${weightsFile}: tensor ${name} has shape [${found.shape}], expected [${shape}] from config.json`);
    const { dtype } = found as typeof found & { dtype: string };
    if (!['F32', 'F16', 'BF16'].includes(dtype)) throw new HfModelError(`${weightsFile}: tensor ${name} has dtype ${dtype}; expected F32, F16 or BF16`);
  }
  const hasTokenizer = (await stat(path.join(resolved, TOKENIZER_FILE)).catch(() => null))?.isFile() ?? false;
  return {
    dir: resolved,
    config,
    parameters: parameterCount(config, hasPooler),
    hasPooler,
    maxTokens: maxTokens(config),
    hasTokenizer,
    headerSha256: createHash('sha256').update(headerBytes).digest('hex'),
  };
}

export interface LoadedHfModel {
  config: HfEncoderConfig;
  encoder: HfEncoder;
  /** Checkpoint tensors that are not the encoder's (classifier heads, ...). */
  ignored: string[];
}

/** The encoder from config.json and model.safetensors; `weights` replaces the file's tensors (fine-tuned checkpoints). A TF.js backend must be set up. */
export async function loadHfEncoder(dir: string, options: { pooling?: HfPooling } = {}): Promise<LoadedHfModel> {
  const resolved = path.resolve(dir);
  const config = await readConfig(resolved);
  const weightsFile = await need(resolved, WEIGHTS_FILE, 'model.safetensors');
  const bytes = await readFile(weightsFile);
  const { tensors } = parseSafetensors(bytes, { source: weightsFile });
  const { weights, ignored } = selectEncoderTensors(tensors, weightsFile);
  const encoder = createHfEncoder(config, { weights, pooling: options.pooling, source: weightsFile });
  return { config, encoder, ignored };
}

/** tokenizer.json of a model folder, with its special-token template. */
export async function loadHfTokenizer(dir: string): Promise<SubwordTokenizer> {
  const file = await need(path.resolve(dir), TOKENIZER_FILE, 'tokenizer.json to turn text into ids');
  return loadSubwordTokenizer(file);
}

/**
 * Writes config.json and model.safetensors (and copies tokenizer.json from the folder
 * `tokenizerFrom`) into `dir`, each file replaced atomically: a folder Hugging Face tools load.
 */
export async function writeHuggingFaceFolder(
  dir: string,
  config: HfEncoderConfig,
  tensors: ReadonlyMap<string, Tensor>,
  options: { tokenizerFrom?: string; sentenceTransformers?: SentenceTransformersOptions } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (options.sentenceTransformers) {
    for (const [name, content] of sentenceTransformersFiles(config.hiddenSize, tensors, options.sentenceTransformers)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeAtomic(path.join(dir, name), async (handle) => void (await handle.writeFile(content)));
    }
  }
  const bytes = serializeSafetensors(tensors);
  await writeAtomic(path.join(dir, WEIGHTS_FILE), async (handle) => void (await handle.write(bytes)));
  const json = `${JSON.stringify(configForSave(config), null, 2)}\n`;
  await writeAtomic(path.join(dir, CONFIG_FILE), async (handle) => void (await handle.write(json)));
  if (options.tokenizerFrom) {
    const source = path.join(options.tokenizerFrom, TOKENIZER_FILE);
    if (path.resolve(source) !== path.resolve(dir, TOKENIZER_FILE)) await copyFile(source, path.join(dir, TOKENIZER_FILE));
  }
}

/** The encoder's current weights as a Hugging Face folder (see writeHuggingFaceFolder). */
export function saveHfModel(dir: string, encoder: HfEncoder, options: { tokenizerFrom?: string } = {}): Promise<void> {
  return writeHuggingFaceFolder(dir, encoder.config, encoder.exportWeights(), options);
}
