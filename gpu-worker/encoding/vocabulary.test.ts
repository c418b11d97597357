import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PADDING_ROW, UNKNOWN_ROW, buildVocabulary, restoreVocabulary } from './vocabulary.js';

const texts = [Int32Array.from([0, 50, 60, 50, 3, 2]), Int32Array.from([0, 70, 50, 60, 2]), Int32Array.from([0, 80, 2])];

test('keeps the special tokens, then the most frequent pieces; the tokenizer unknown id gets no row', () => {
  // Counts: 50 x3, 60 x2, 70 x1, 80 x1 (tie broken by the smaller id); 3 is <unk>.
  const vocabulary = buildVocabulary(texts, 3, { keep: [0, 2], unknownId: 3 });
  assert.deepEqual(vocabulary.state(), { kind: 'pruned', pieceIds: [0, 2, 50, 60, 70] });
  assert.equal(vocabulary.size, 7);
  assert.deepEqual([...vocabulary.rows([0, 50, 60, 70, 2])], [2, 4, 5, 6, 3]);
  assert.equal(vocabulary.rowOf(80), UNKNOWN_ROW, 'pruned piece');
  assert.equal(vocabulary.rowOf(3), UNKNOWN_ROW, "the tokenizer's own unknown id");
  assert.equal(vocabulary.rowOf(250_001), UNKNOWN_ROW, 'unseen piece');
  assert.notEqual(vocabulary.rowOf(0), PADDING_ROW, 'no piece maps to the padding row');
});

test('the state survives JSON and restores the same mapping', () => {
  const vocabulary = buildVocabulary(texts, 10, { keep: [0, 2], unknownId: 3 });
  const restored = restoreVocabulary(JSON.parse(JSON.stringify(vocabulary.state())));
  assert.equal(restored.size, vocabulary.size);
  for (let id = 0; id < 100; id++) assert.equal(restored.rowOf(id), vocabulary.rowOf(id), `id ${id}`);
});

test('maxSize 0 keeps only the special tokens; invalid states are refused', () => {
  assert.deepEqual(buildVocabulary(texts, 0, { keep: [0, 2] }).state().pieceIds, [0, 2]);
  assert.throws(() => buildVocabulary(texts, -1), RangeError);
  assert.throws(() => restoreVocabulary({ kind: 'pruned', pieceIds: [5, 5] }), /twice/);
});
