import assert from 'node:assert/strict';
import test from 'node:test';
import { buildBm25Index, tokenize } from './bm25.js';

test('spaced scripts split into words; marks stay inside their word', () => {
  assert.deepEqual(tokenize('Hello, World! It costs 1,234 €.'), ['hello', 'world', 'it', 'costs', '1', '234']);
  assert.deepEqual(tokenize('नमस्ते दुनिया'), ['नमस्ते', 'दुनिया']);
  assert.deepEqual(tokenize('Привет, мир'), ['привет', 'мир']);
  assert.deepEqual(tokenize('مرحبا بالعالم'), ['مرحبا', 'بالعالم']);
  assert.deepEqual(tokenize('Ｆｕｌｌ　ｗｉｄｔｈ ①'), ['full', 'width', '1']); // NFKC
});

test('unspaced scripts become overlapping character bigrams', () => {
  assert.deepEqual(tokenize('我爱北京'), ['我爱', '爱北', '北京']);
  assert.deepEqual(tokenize('中'), ['中']);
  assert.deepEqual(tokenize('abc中文2019年'), ['abc', '中文', '2019', '年']);
  // Thai: a run of consonants and vowel signs, cut into code-point bigrams.
  assert.deepEqual(tokenize('แมว กิน'), ['แม', 'มว', 'กิ', 'ิน']);
});

test('BM25 scores match the formula on a tiny corpus', () => {
  const docs = [['a', 'b'], ['a'], ['c', 'c', 'd']];
  const index = buildBm25Index(docs);
  const out = new Float32Array(3);
  index.score(['a'], out);
  const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
  const avg = 6 / 3;
  const bm = (tf: number, len: number, idf: number) => (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * len) / avg));
  assert.ok(Math.abs(out[0]! - bm(1, 2, idf)) < 1e-6);
  assert.ok(Math.abs(out[1]! - bm(1, 1, idf)) < 1e-6);
  assert.equal(out[2], 0);
  index.score(['c', 'zz'], out);
  assert.ok(Math.abs(out[2]! - bm(2, 3, Math.log(1 + 2.5 / 1.5))) < 1e-6);
  assert.deepEqual([out[0], out[1]], [0, 0]);
  // Written at an offset, leaving the rest of the buffer alone.
  const wide = new Float32Array(5).fill(-1);
  index.score(['a'], wide, 2);
  assert.equal(wide[1], -1);
  assert.ok(wide[2]! > 0 && wide[4] === 0);
});
