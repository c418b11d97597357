import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenizer, fnv1a, padBatch, words } from './tokenizer.js';

test('fnv1a matches the reference values', () => {
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(fnv1a('foobar'), 0xbf9cf968);
});

test('words are lower-cased word segments, punctuation dropped, Chinese segmented', () => {
  assert.deepEqual(words('Query: Who built the Eiffel Tower?', 10), ['query', 'who', 'built', 'the', 'eiffel', 'tower']);
  assert.deepEqual(words('one two three four', 2), ['one', 'two']);
  assert.ok(words('埃菲尔铁塔是谁建造的', 20).length > 1, 'Chinese text is split into words');
});

test('encode gives a word id plus trigram ids per word, within the vocabulary, never the padding id', () => {
  const tokenizer = createTokenizer({ vocabularySize: 1000, maxLength: 8 });
  const ids = tokenizer.encode('Tower towers');
  // "tower" -> word + trigrams of "<tower>" (5); "towers" -> word + 6 trigrams.
  assert.equal(ids.length, 1 + 5 + 1 + 6);
  assert.ok(ids.every((id) => id >= 1 && id < 1000));
  assert.deepEqual(tokenizer.encode('Tower towers'), ids, 'deterministic');
  const tower = tokenizer.encode('tower');
  const shared = [...tokenizer.encode('towers')].filter((id) => tower.includes(id));
  assert.equal(shared.length, 4, 'related forms share their trigrams (<to tow owe wer)');
});

test('padBatch pads with id 0 and a zero mask', () => {
  const batch = padBatch([Int32Array.from([5, 6, 7]), Int32Array.from([9])]);
  assert.equal(batch.width, 3);
  assert.deepEqual([...batch.ids], [5, 6, 7, 9, 0, 0]);
  assert.deepEqual([...batch.mask], [1, 1, 1, 1, 0, 0]);
  assert.equal(padBatch([new Int32Array(0)]).width, 1, 'empty texts still give a valid shape');
});
