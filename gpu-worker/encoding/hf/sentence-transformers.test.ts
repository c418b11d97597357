import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSafetensors } from './safetensors.js';
import { sentenceTransformersFiles } from './sentence-transformers.js';

const tensors = new Map([
  ['pooler.dense.weight', { shape: [2, 2], values: Float32Array.from([1, 2, 3, 4]) }],
  ['pooler.dense.bias', { shape: [2], values: Float32Array.from([5, 6]) }],
]);
const prompts = { query: 'Query: ', passage: 'Passage: ' };
const json = (files: Map<string, string | Uint8Array>, name: string) => JSON.parse(files.get(name) as string);

test('mean and CLS pooling: Transformer, Pooling, Normalize', () => {
  for (const [pooling, mean, cls] of [['MEAN', true, false], ['CLS', false, true]] as const) {
    const files = sentenceTransformersFiles(2, tensors, { pooling, maxLength: 64, prompts });
    assert.deepEqual(json(files, 'modules.json').map((m: { path: string }) => m.path), ['', '1_Pooling', '2_Normalize']);
    const config = json(files, '1_Pooling/config.json');
    assert.deepEqual([config.pooling_mode_mean_tokens, config.pooling_mode_cls_token], [mean, cls]);
    assert.equal(files.has('2_Dense/config.json'), false);
    assert.deepEqual(json(files, 'config_sentence_transformers.json').prompts, prompts);
    assert.equal(json(files, 'sentence_bert_config.json').max_seq_length, 64);
  }
});

test("BERT's pooler becomes a tanh Dense layer over the CLS token, as LaBSE is packaged", () => {
  const files = sentenceTransformersFiles(2, tensors, { pooling: 'POOLER', maxLength: 64, prompts });
  assert.deepEqual(json(files, 'modules.json').map((m: { path: string }) => m.path), ['', '1_Pooling', '2_Dense', '3_Normalize']);
  assert.equal(json(files, '1_Pooling/config.json').pooling_mode_cls_token, true);
  assert.equal(json(files, '2_Dense/config.json').activation_function, 'torch.nn.modules.activation.Tanh');
  const dense = parseSafetensors(files.get('2_Dense/model.safetensors') as Uint8Array).tensors;
  assert.deepEqual([...dense.get('linear.weight')!.values], [1, 2, 3, 4]);
  assert.deepEqual([...dense.get('linear.bias')!.values], [5, 6]);
  assert.throws(() => sentenceTransformersFiles(2, new Map(), { pooling: 'POOLER', maxLength: 64, prompts }), /pooler tensors/);
});
