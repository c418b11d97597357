import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUnigramModel } from './tokenizer-unigram.js';

const vocab: [string, number][] = [
  ['<unk>', 0],
  ['a', -1],
  ['b', -1],
  ['ab', -1.5],
  ['abc', -4],
  ['c', -1],
  ['bc', -0.5],
  ['😀', -2],
  ['😀a', -1],
];
const model = createUnigramModel(vocab, 0);
const tokenize = (word: string) => {
  const out: number[] = [];
  model.tokenize(word, out);
  return out;
};

test('Viterbi picks the segmentation with the highest total score', () => {
  // ab+c = -2.5, a+bc = -1.5, abc = -4, a+b+c = -3.
  assert.deepEqual(tokenize('abc'), [1, 6]);
  assert.deepEqual(tokenize('ab'), [3]);
  assert.deepEqual(tokenize(''), []);
});

test('pieces outside the BMP are matched by code point', () => {
  assert.deepEqual(tokenize('😀a'), [8]);
  assert.deepEqual(tokenize('b😀'), [2, 7]);
});

test('unknown characters cost min score - 10 each and consecutive ones fuse into one unknown id', () => {
  assert.deepEqual(tokenize('xyz'), [0]);
  assert.deepEqual(tokenize('axyb'), [1, 0, 2]);
  assert.deepEqual(tokenize('x😀y'), [0, 7, 0]);
});

test('ties keep the first path found (strictly better replaces), as in the Rust implementation', () => {
  const tied = createUnigramModel([['<unk>', 0], ['a', -1], ['b', -1], ['ab', -2]], 0);
  const out: number[] = [];
  tied.tokenize('ab', out);
  // Positions go left to right: "ab" from position 0 reaches the end first with -2; a+b ties
  // at -2 from position 1 and does not replace it.
  assert.deepEqual(out, [3]);
});
