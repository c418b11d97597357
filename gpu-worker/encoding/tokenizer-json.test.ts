// Reference ids produced by Hugging Face's own tokenizers (see shared/models/README.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSharedDir } from '../../schema/config.js';
import { loadSubwordTokenizer } from './tokenizer-json.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const modelsDir = defaultSharedDir('models', repoRoot, fs.existsSync);
const xlmrFile = path.join(modelsDir, 'xlmr-tokenizer', 'tokenizer.json.gz');
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

interface ReferenceItem {
  index: number;
  text: string;
  input_ids: number[];
  tokens: string[];
}

test('XLM-R: all 25 reference texts give the reference ids and pieces (truncation to 128 included)', async () => {
  const reference = readJson<{ items: ReferenceItem[]; meta: { max_length: number } }>(path.join(modelsDir, 'xlmr-tokenizer', 'reference.json'));
  const tokenizer = await loadSubwordTokenizer(xlmrFile);
  assert.equal(tokenizer.engine, 'unigram');
  assert.equal(tokenizer.size, 250_002);
  assert.deepEqual([tokenizer.prefixIds, tokenizer.suffixIds, tokenizer.unknownId], [[0], [2], 3]);
  assert.equal(reference.items.length, 25);
  assert.ok(reference.items.some((item) => item.input_ids.length === 128), 'one reference text is truncated');
  for (const item of reference.items) {
    const ids = [...tokenizer.encode(item.text, reference.meta.max_length)];
    assert.deepEqual(ids, item.input_ids, `text ${item.index}: ${JSON.stringify(item.text)}`);
    // HF shows an unknown piece by its text ("🦓"); its id is <unk>'s, compared above.
    const pieces = ids.map((id, i) => (id === tokenizer.unknownId ? item.tokens[i] : tokenizer.tokenOf(id)));
    assert.deepEqual(pieces, item.tokens, `pieces of text ${item.index}`);
  }
});

test('XLM-R: the file is loaded once per path; truncation keeps <s> and </s>', async () => {
  const [a, b] = await Promise.all([loadSubwordTokenizer(xlmrFile), loadSubwordTokenizer(path.join(modelsDir, 'xlmr-tokenizer', '..', 'xlmr-tokenizer', 'tokenizer.json.gz'))]);
  assert.equal(a, b);
  const text = 'The quick brown fox jumps over the lazy dog near the riverbank.';
  const full = a.encode(text);
  const short = a.encode(text, 6);
  assert.deepEqual([...short], [...full.slice(0, 5), 2]);
  assert.deepEqual(a.pieces(text, 3), [...full.slice(1, 4)], 'pieces stop once the limit is reached');
  assert.deepEqual([...a.encode('', 6)], [0, 2]);
  assert.throws(() => a.encode(text, 1), /special tokens/);
});

test('XLM-R: runs of unknown characters fuse into one <unk>; special tokens in the text are kept whole', async () => {
  const tokenizer = await loadSubwordTokenizer(xlmrFile);
  // U+4E04..U+4E06 have no piece of their own.
  assert.deepEqual([...tokenizer.encode('a \u4e04\u4e05\u4e06 b')], [0, 10, 6, 3, 876, 2]);
  // <mask> strips the space on its left (lstrip); <s> in the middle of a text stays one token.
  assert.deepEqual([...tokenizer.encode('<mask> x <s>y')], [0, 250001, 1022, 0, 113, 2]);
  assert.deepEqual([...tokenizer.encode('x <mask>')], [0, 1022, 250001, 2]);
});

test('tiny-bert WordPiece: the reference ids, truncated to 32, through tokenizers.js', async () => {
  const dir = path.join(modelsDir, 'tiny-bert');
  const reference = readJson<{ items: ReferenceItem[]; padded_batch: { texts: string[]; input_ids: number[][]; attention_mask: number[][] } }>(path.join(dir, 'reference.json'));
  const tokenizer = await loadSubwordTokenizer(path.join(dir, 'tokenizer.json'));
  assert.equal(tokenizer.engine, 'tokenizers.js');
  assert.deepEqual([tokenizer.prefixIds, tokenizer.suffixIds, tokenizer.unknownId], [[2], [3], 1]);
  assert.equal(reference.items.length, 6);
  for (const item of reference.items) {
    const ids = [...tokenizer.encode(item.text, 32)];
    assert.deepEqual(ids, item.input_ids, `text ${item.index}: ${JSON.stringify(item.text)}`);
    assert.deepEqual(ids.map((id) => tokenizer.tokenOf(id)), item.tokens);
  }
  const batch = reference.padded_batch;
  batch.texts.forEach((text, row) => {
    const length = batch.attention_mask[row]!.reduce((a, b) => a + b, 0);
    assert.deepEqual([...tokenizer.encode(text, 32)], batch.input_ids[row]!.slice(0, length));
  });
});
