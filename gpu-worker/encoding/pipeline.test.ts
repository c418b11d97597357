import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { defaultSharedDir } from '../../schema/config.js';
import { DEFAULT_MODEL, type ModelSpec } from '../../schema/training.js';
import { readWeights } from './encoder.js';
import { createTextPipeline, restoreTextPipeline, type TextPipeline } from './pipeline.js';
import { createTokenizer, padBatch } from './tokenizer.js';
import { UNKNOWN_ROW } from './vocabulary.js';

await tf.setBackend('cpu');

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const modelsDir = defaultSharedDir('models', repoRoot, fs.existsSync);
const trainingTexts = [
  'Query: Who built the Eiffel Tower?',
  'Passage: The Eiffel Tower was built by Gustave Eiffel.',
  'Query: Wer baute den Eiffelturm?',
  'Passage: Der Eiffelturm wurde von Gustave Eiffel gebaut.',
  'Query: Who built the Eiffel Tower?',
];
const tiny: ModelSpec = { ...DEFAULT_MODEL, family: 'TRANSFORMER', tokenizer: 'XLM_R', dimension: 8, heads: 2, layers: 1, ffnDimension: 8, maxLength: 12, vocabularySize: 20, pooling: 'CLS' };
const rowsOf = (pipeline: TextPipeline, text: string) => {
  const batch = pipeline.tokenize([text]);
  return [...batch.ids.slice(0, batch.mask.reduce((a, b) => a + b, 0))];
};

test('XLM_R: <s> … </s> through a vocabulary pruned to the training texts; unseen pieces share the unknown row', async () => {
  const before = tf.memory().numTensors;
  const pipeline = await createTextPipeline(tiny, { modelsDir, seed: 1, trainingTexts });
  const state = pipeline.state();
  assert.equal(state.tokenizer.kind, 'XLM_R');
  assert.ok(state.tokenizer.kind === 'XLM_R' && state.tokenizer.vocabulary.pieceIds.length === 2 + 20, 'two special tokens plus 20 pieces');
  assert.equal(pipeline.rows, 24);
  const query = rowsOf(pipeline, 'Query: Who built the Eiffel Tower?');
  assert.deepEqual([query[0], query[query.length - 1]], [2, 3], '<s> and </s> are the first kept rows');
  assert.ok(query.every((row) => row >= 1 && row < 24));
  assert.ok(rowsOf(pipeline, '这是一个中文句子').slice(1, -1).every((row) => row === UNKNOWN_ROW));
  const long = pipeline.tokenize(['Passage: ' + 'The Eiffel Tower was built by Gustave Eiffel. '.repeat(5)]);
  assert.equal(long.width, 12, 'truncated to maxLength');
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state, 'the state is plain JSON');
  pipeline.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('XLM_R: restore(state, weights) encodes exactly like the original; another tokenizer file is refused', async () => {
  const original = await createTextPipeline(tiny, { modelsDir, seed: 3, trainingTexts });
  const state = JSON.parse(JSON.stringify(original.state())) as ReturnType<TextPipeline['state']>;
  const weights = readWeights(original.encoder);
  const restored = await restoreTextPipeline(state, weights, { modelsDir });
  const texts = ['Query: Who built the Eiffel Tower?', 'Passage: Der Eiffelturm wurde gebaut.', 'unseen 中文'];
  assert.deepEqual(restored.tokenize(texts), original.tokenize(texts));
  assert.deepEqual(restored.encoder.encode(restored.tokenize(texts)).arraySync(), original.encoder.encode(original.tokenize(texts)).arraySync());
  if (state.tokenizer.kind !== 'XLM_R') throw new Error('unexpected state');
  const other = { ...state, tokenizer: { ...state.tokenizer, sha256: '0'.repeat(64) } };
  await assert.rejects(restoreTextPipeline(other, weights, { modelsDir }), /not the tokenizer this model was trained with/);
  original.dispose();
  restored.dispose();
});

test('HASHED: bag-of-subwords keeps the hashed ids; a CLS transformer gets an extra first row', async () => {
  const bag = await createTextPipeline({ ...DEFAULT_MODEL, tokenizer: 'HASHED', dimension: 4, vocabularySize: 50, maxLength: 3 }, { modelsDir, seed: 1, trainingTexts: [] });
  const hashed = createTokenizer({ vocabularySize: 50, maxLength: 3 });
  assert.deepEqual(bag.tokenize(['one two three four', 'x']), padBatch([hashed.encode('one two three four'), hashed.encode('x')]));
  assert.equal(bag.rows, 50);
  bag.dispose();

  const model: ModelSpec = { ...tiny, tokenizer: 'HASHED', vocabularySize: 50, maxLength: 5 };
  const cls = await createTextPipeline(model, { modelsDir, seed: 1, trainingTexts: [] });
  assert.equal(cls.rows, 51);
  const rows = rowsOf(cls, 'several words of text here');
  assert.equal(rows.length, 5);
  assert.equal(rows[0], 50);
  const restored = await restoreTextPipeline(cls.state(), readWeights(cls.encoder), { modelsDir });
  assert.deepEqual(restored.encoder.encode(restored.tokenize(['a b'])).arraySync(), cls.encoder.encode(cls.tokenize(['a b'])).arraySync());
  cls.dispose();
  restored.dispose();
});

test('CLS pooling without a transformer is refused', async () => {
  await assert.rejects(createTextPipeline({ ...DEFAULT_MODEL, tokenizer: 'HASHED', pooling: 'CLS' }, { modelsDir, seed: 1, trainingTexts: [] }), /CLS pooling needs a TRANSFORMER/);
});
