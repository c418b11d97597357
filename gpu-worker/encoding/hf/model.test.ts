// Hugging Face model folders: what inspectHfModel reports, the errors for folders that are not a
// supported encoder, and saveHfModel's round trip (the file Hugging Face's reader expects, the
// original config, bit-identical weights and outputs after load, save, load).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { defaultSharedDir } from '../../../schema/config.js';
import { padBatch, type PaddedBatch } from '../tokenizer.js';
import type { HfEncoder } from './encoder.js';
import { inspectHfModel, loadHfEncoder, loadHfTokenizer, saveHfModel } from './model.js';
import { parseSafetensors, serializeSafetensors } from './safetensors.js';

await tf.setBackend('cpu');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const modelsDir = defaultSharedDir('models', repoRoot, fs.existsSync);
const tiny = { bert: path.join(modelsDir, 'tiny-bert'), xlmr: path.join(modelsDir, 'tiny-xlmr') };
const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'xling-hf-model-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;

/** The safetensors header, read here with nothing but DataView and JSON. */
function headerOf(file: string): { metadata: unknown; tensors: Header } {
  const bytes = fs.readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const { __metadata__: metadata, ...tensors } = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Header & { __metadata__?: unknown };
  return { metadata, tensors };
}

const elements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
const bitsOf = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

/** A scratch model folder: tiny-xlmr's files, config.json edited, model.safetensors given as bytes or left out. */
async function xlmrVariant(name: string, options: { config?: (config: Record<string, unknown>) => void; weights?: Uint8Array | null; noConfig?: boolean } = {}): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.promises.mkdir(dir);
  if (!options.noConfig) {
    const config = readJson(path.join(tiny.xlmr, 'config.json'));
    options.config?.(config);
    await fs.promises.writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  }
  if (options.weights !== null) {
    await fs.promises.writeFile(path.join(dir, 'model.safetensors'), options.weights ?? fs.readFileSync(path.join(tiny.xlmr, 'model.safetensors')));
  }
  return dir;
}

test('inspectHfModel reports tiny-xlmr and tiny-bert from config.json and the safetensors header', async () => {
  const cases = [
    // tiny-bert carries a "bert." prefix and a classification head that is not the encoder's.
    { dir: tiny.bert, modelType: 'bert', encoderTensor: (name: string) => name.startsWith('bert.'), maxTokens: 512, hasTokenizer: true },
    // RoBERTa positions start at pad_token_id + 1 = 2, leaving 64 - 2 tokens.
    { dir: tiny.xlmr, modelType: 'xlm-roberta', encoderTensor: () => true, maxTokens: 62, hasTokenizer: false },
  ];
  for (const expected of cases) {
    const { tensors } = headerOf(path.join(expected.dir, 'model.safetensors'));
    const names = Object.keys(tensors);
    assert.ok(names.some((name) => !expected.encoderTensor(name)) === (expected.modelType === 'bert'), 'only tiny-bert has tensors outside the encoder');
    const encoderParameters = names.filter(expected.encoderTensor).reduce((sum, name) => sum + elements(tensors[name]!.shape), 0);

    const info = await inspectHfModel(expected.dir);
    assert.equal(info.dir, path.resolve(expected.dir));
    assert.equal(info.config.modelType, expected.modelType);
    assert.equal(info.parameters, encoderParameters, `${expected.modelType}: parameters are the encoder tensors' elements`);
    assert.equal(info.hasPooler, names.some((name) => name.endsWith('pooler.dense.weight')));
    assert.equal(info.hasPooler, true);
    assert.equal(info.maxTokens, expected.maxTokens);
    assert.equal(info.hasTokenizer, expected.hasTokenizer);
    assert.match(info.headerSha256, /^[0-9a-f]{64}$/);
  }
});

test('a folder that is not a supported encoder is refused, naming what was expected', async () => {
  const original = parseSafetensors(fs.readFileSync(path.join(tiny.xlmr, 'model.safetensors')));
  const missing = path.join(tmp, 'does-not-exist');
  await assert.rejects(inspectHfModel(missing), { name: 'HfModelError', message: `${missing} is not a folder; expected a Hugging Face model folder with config.json and model.safetensors` });

  const noConfig = await xlmrVariant('no-config', { noConfig: true });
  await assert.rejects(inspectHfModel(noConfig), { name: 'HfModelError', message: /no-config\/config\.json is missing: a model folder needs config\.json \(model_type bert or xlm-roberta\)/ });
  await assert.rejects(loadHfEncoder(noConfig), /config\.json is missing/);

  const gpt2 = await xlmrVariant('gpt2', { config: (c) => void (c.model_type = 'gpt2') });
  await assert.rejects(inspectHfModel(gpt2), { name: 'HfModelError', message: /gpt2\/config\.json: model_type "gpt2" is not supported; expected one of bert, xlm-roberta, roberta/ });

  const relu = await xlmrVariant('relu', { config: (c) => void (c.hidden_act = 'relu') });
  await assert.rejects(inspectHfModel(relu), { name: 'HfModelError', message: /relu\/config\.json: hidden_act "relu" is not supported; expected "gelu"/ });

  const noWeights = await xlmrVariant('no-weights', { weights: null });
  await assert.rejects(inspectHfModel(noWeights), { name: 'HfModelError', message: /no-weights\/model\.safetensors is missing: a model folder needs model\.safetensors/ });
  await assert.rejects(loadHfEncoder(noWeights), /no-weights\/model\.safetensors is missing/);

  // The word embeddings cut to 900 rows while config.json keeps vocab_size 1000.
  const cut = new Map(original.tensors);
  const words = cut.get('embeddings.word_embeddings.weight')!;
  cut.set('embeddings.word_embeddings.weight', { shape: [900, 32], values: words.values.slice(0, 900 * 32) });
  const shortVocab = await xlmrVariant('short-vocab', { weights: serializeSafetensors(cut) });
  const vocabMessage = /short-vocab\/model\.safetensors: tensor embeddings\.word_embeddings\.weight has shape \[900,32\], expected \[1000,32\] from config\.json/;
  await assert.rejects(inspectHfModel(shortVocab), { name: 'HfModelError', message: vocabMessage });
  await assert.rejects(loadHfEncoder(shortVocab), { name: 'HfModelError', message: vocabMessage });

  // tiny-xlmr has layers 0 and 1.
  const moreLayers = await xlmrVariant('more-layers', { config: (c) => void (c.num_hidden_layers = 3) });
  await assert.rejects(inspectHfModel(moreLayers), { name: 'HfModelError', message: /more-layers\/model\.safetensors: tensor encoder\.layer\.2\.attention\.self\.query\.weight is missing \(config\.json: 3 layers/ });
  await assert.rejects(loadHfEncoder(moreLayers), { name: 'HfModelError', message: /tensor encoder\.layer\.2\.\S+ is missing/ });

  await assert.rejects(loadHfTokenizer(tiny.xlmr), { name: 'HfModelError', message: /tiny-xlmr\/tokenizer\.json is missing: a model folder needs tokenizer\.json/ });
});

// Hugging Face's reader (safetensors' `validate`) insists on these; stdlib only, as numpy and torch are not installed.
const PYTHON_CHECK = `
import json, struct, sys
data = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', data[:8])
header = json.loads(data[8:8 + n].decode('utf-8'))
metadata = header.pop('__metadata__', None)
entries = sorted(header.items(), key=lambda item: tuple(item[1]['data_offsets']))
end, gaps, bad_sizes = 0, [], []
for name, info in entries:
    begin, stop = info['data_offsets']
    if begin != end:
        gaps.append(name)
    count = 1
    for d in info['shape']:
        count *= d
    if stop - begin != 4 * count:
        bad_sizes.append(name)
    end = stop
print(json.dumps({'header_length': n, 'metadata': metadata, 'dtypes': sorted({info['dtype'] for _, info in entries}),
                  'names': [name for name, _ in entries], 'gaps': gaps, 'bad_sizes': bad_sizes,
                  'data_end': end, 'data_bytes': len(data) - 8 - n}))
`;

interface PythonSummary { header_length: number; metadata: unknown; dtypes: string[]; names: string[]; gaps: string[]; bad_sizes: string[]; data_end: number; data_bytes: number }

function assertValidForHuggingFace(file: string, names: string[]): void {
  const summary = JSON.parse(execFileSync('python3', ['-c', PYTHON_CHECK, file], { encoding: 'utf8' })) as PythonSummary;
  assert.equal(summary.header_length % 8, 0, `${file}: header padded to 8 bytes`);
  assert.deepEqual(summary.metadata, { format: 'pt' });
  assert.deepEqual(summary.dtypes, ['F32']);
  assert.deepEqual([...summary.names].sort(), [...names].sort());
  assert.deepEqual(summary.gaps, [], `${file}: tensors contiguous from offset 0`);
  assert.deepEqual(summary.bad_sizes, [], `${file}: each tensor 4 * prod(shape) bytes`);
  assert.equal(summary.data_end, summary.data_bytes, `${file}: the tensors end where the file does`);
}

/** Hidden states and pooler output of `batch`, copied out of TF.js. */
function outputs(encoder: HfEncoder, batch: PaddedBatch): { hidden: Float32Array; pooled: Float32Array | null } {
  const { hidden, pooled } = encoder.forward(batch);
  const result = { hidden: hidden.dataSync() as Float32Array, pooled: (pooled?.dataSync() as Float32Array | undefined) ?? null };
  tf.dispose(pooled ? [hidden, pooled] : [hidden]);
  return result;
}

function assertSameOutputs(actual: ReturnType<typeof outputs>, expected: ReturnType<typeof outputs>): void {
  assert.ok(expected.hidden.some((v) => v !== 0));
  assert.ok(bitsOf(actual.hidden).equals(bitsOf(expected.hidden)), 'hidden states bit-identical');
  assert.ok(expected.pooled !== null && actual.pooled !== null);
  assert.ok(bitsOf(actual.pooled).equals(bitsOf(expected.pooled)), 'pooler output bit-identical');
}

/** Every field of the original config.json is kept; only the architecture becomes the bare encoder's. */
function assertConfigKept(saved: Record<string, unknown>, original: Record<string, unknown>, architecture: string): void {
  assert.deepEqual(saved.architectures, [architecture]);
  for (const [key, value] of Object.entries(original)) if (key !== 'architectures') assert.deepEqual(saved[key], value, `config.json field ${key}`);
}

test('tiny-xlmr: load, save, load gives the same file, config and outputs', async () => {
  const startTensors = tf.memory().numTensors;
  const dir = path.join(tmp, 'saved-xlmr');
  await fs.promises.mkdir(dir, { recursive: true });
  const originalFile = path.join(tiny.xlmr, 'model.safetensors');
  const batch: PaddedBatch = { ids: Int32Array.from([0, 581, 37, 2, 1, 1, 0, 10, 20, 30, 40, 2]), mask: Float32Array.from([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]), rows: 2, width: 6 };

  const first = await loadHfEncoder(tiny.xlmr);
  let before: ReturnType<typeof outputs>;
  try {
    before = outputs(first.encoder, batch);
    await saveHfModel(dir, first.encoder);
  } finally {
    first.encoder.dispose();
  }
  assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors'], 'no tokenizer asked for, none written; no temp files left');

  const savedFile = path.join(dir, 'model.safetensors');
  const saved = headerOf(savedFile);
  const original = headerOf(originalFile);
  assert.deepEqual(saved.metadata, { format: 'pt' });
  assert.deepEqual(Object.keys(saved.tensors).sort(), Object.keys(original.tensors).sort(), 'tiny-xlmr has no prefix: the same names');
  for (const [name, info] of Object.entries(original.tensors)) {
    assert.deepEqual(saved.tensors[name]!.shape, info.shape, `shape of ${name}`);
    assert.equal(saved.tensors[name]!.dtype, 'F32');
  }
  const originalValues = parseSafetensors(fs.readFileSync(originalFile)).tensors;
  const savedValues = parseSafetensors(fs.readFileSync(savedFile)).tensors;
  for (const [name, tensor] of originalValues) assert.ok(bitsOf(savedValues.get(name)!.values).equals(bitsOf(tensor.values)), `values of ${name} bit-identical`);
  assertValidForHuggingFace(savedFile, Object.keys(original.tensors));

  assertConfigKept(readJson(path.join(dir, 'config.json')), readJson(path.join(tiny.xlmr, 'config.json')), 'XLMRobertaModel');
  const info = await inspectHfModel(dir);
  assert.equal(info.parameters, (await inspectHfModel(tiny.xlmr)).parameters);
  assert.equal(info.hasTokenizer, false);

  const second = await loadHfEncoder(dir);
  try {
    assertSameOutputs(outputs(second.encoder, batch), before);
  } finally {
    second.encoder.dispose();
  }
  assert.equal(tf.memory().numTensors, startTensors, 'load, forward and dispose leave no tensors behind');
});

test('tiny-bert: saved without the "bert." prefix and the classifier, with its tokenizer, same outputs', async () => {
  const startTensors = tf.memory().numTensors;
  const dir = path.join(tmp, 'saved-bert');
  await fs.promises.mkdir(dir, { recursive: true });
  const originalFile = path.join(tiny.bert, 'model.safetensors');
  const tokenizer = await loadHfTokenizer(tiny.bert);
  const texts = ['hello world', 'a longer text, with punctuation!'];
  const batch = padBatch(texts.map((text) => tokenizer.encode(text, 32)));
  assert.ok(batch.mask.includes(0), 'the batch has padding');

  const first = await loadHfEncoder(tiny.bert);
  let before: ReturnType<typeof outputs>;
  try {
    assert.deepEqual(first.ignored.sort(), ['classifier.bias', 'classifier.weight']);
    before = outputs(first.encoder, batch);
    await saveHfModel(dir, first.encoder, { tokenizerFrom: tiny.bert });
  } finally {
    first.encoder.dispose();
  }
  assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors', 'tokenizer.json']);
  assert.ok(fs.readFileSync(path.join(dir, 'tokenizer.json')).equals(fs.readFileSync(path.join(tiny.bert, 'tokenizer.json'))));

  const savedFile = path.join(dir, 'model.safetensors');
  const saved = headerOf(savedFile);
  const original = headerOf(originalFile);
  const encoderNames = Object.keys(original.tensors).filter((name) => name.startsWith('bert.'));
  assert.equal(encoderNames.length, Object.keys(original.tensors).length - 2, 'only the two classifier tensors are not the encoder\'s');
  assert.deepEqual(Object.keys(saved.tensors).sort(), encoderNames.map((name) => name.slice('bert.'.length)).sort());
  const originalValues = parseSafetensors(fs.readFileSync(originalFile)).tensors;
  const savedValues = parseSafetensors(fs.readFileSync(savedFile)).tensors;
  for (const name of encoderNames) {
    const local = name.slice('bert.'.length);
    assert.equal(saved.tensors[local]!.dtype, 'F32');
    assert.deepEqual(saved.tensors[local]!.shape, original.tensors[name]!.shape, `shape of ${local}`);
    assert.ok(bitsOf(savedValues.get(local)!.values).equals(bitsOf(originalValues.get(name)!.values)), `values of ${local} bit-identical`);
  }
  assertValidForHuggingFace(savedFile, encoderNames.map((name) => name.slice('bert.'.length)));
  assertConfigKept(readJson(path.join(dir, 'config.json')), readJson(path.join(tiny.bert, 'config.json')), 'BertModel');

  const info = await inspectHfModel(dir);
  assert.equal(info.parameters, (await inspectHfModel(tiny.bert)).parameters);
  assert.equal(info.hasTokenizer, true);
  const savedTokenizer = await loadHfTokenizer(dir);
  for (const text of texts) assert.deepEqual([...savedTokenizer.encode(text, 32)], [...tokenizer.encode(text, 32)], text);

  const second = await loadHfEncoder(dir);
  try {
    assert.deepEqual(second.ignored, []);
    assertSameOutputs(outputs(second.encoder, batch), before);
  } finally {
    second.encoder.dispose();
  }
  assert.equal(tf.memory().numTensors, startTensors, 'load, forward and dispose leave no tensors behind');
});

test('the Python check accepts the files Hugging Face itself wrote', () => {
  // A control for assertValidForHuggingFace: tiny-bert's file holds the classifier and the prefix.
  for (const dir of [tiny.xlmr, tiny.bert]) {
    const file = path.join(dir, 'model.safetensors');
    assertValidForHuggingFace(file, Object.keys(headerOf(file).tensors));
  }
});
