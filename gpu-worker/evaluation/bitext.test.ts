import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bitextMining, neighbourhoods } from './bitext.js';
import { createRng } from './random.js';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};
const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);

test('a hub close to every source fools the cosine, not the margin', () => {
  // Two gold pairs at cosine 0.6; the hub is at 0.70 from both sources, and two more sources sit
  // right beside it, so its own neighbourhood is dense.
  const a = [unit(1, 0, 0), unit(0, 1, 0), unit(1, 1, 0.25), unit(1, 1, 0.15)];
  const b = [unit(0.6, 0, 0.8), unit(0, 0.6, 0.8), unit(1, 1, 0.2)];
  assert.ok(cos(a[0]!, b[2]!) > cos(a[0]!, b[0]!), 'the hub is nearer than the gold partner by cosine');
  const result = bitextMining({ language: 'de', rows: a }, { language: 'en', rows: b }, [[0, 0], [1, 1]], 2);
  assert.deepEqual(Object.keys(result.accuracy), ['de-en', 'en-de']);
  assert.deepEqual([...result.accuracy['de-en']!.groups[0]!], [0, 0], 'cosine picks the hub for both');
  assert.deepEqual([...result.xsimError['de-en']!.groups[0]!], [0, 0], 'the margin picks the partners');
  // From the English side, each partner's nearest source is its own: right either way.
  assert.deepEqual([...result.accuracy['en-de']!.groups[0]!], [1, 1]);
  assert.deepEqual([...result.xsimError['en-de']!.groups[0]!], [0, 0]);
  assert.equal(result.accuracy['de-en']!.units, 2);
});

test('translations that are copies are all found among random distractors; neighbourhoods equal a brute force', () => {
  const rng = createRng(7);
  const random = () => unit(...Array.from({ length: 16 }, () => rng.next() * 2 - 1));
  const a = Array.from({ length: 30 }, random);
  const b = [...Array.from({ length: 50 }, random), ...a];
  const gold = a.map((_, i) => [i, 50 + i] as const);
  const result = bitextMining({ language: 'zh', rows: a }, { language: 'en', rows: b }, gold);
  for (const key of ['zh-en', 'en-zh']) {
    assert.ok(result.accuracy[key]!.groups[0]!.every((v) => v === 1), key);
    assert.ok(result.xsimError[key]!.groups[0]!.every((v) => v === 0), key);
  }
  const n = neighbourhoods(a, b, 4);
  const viaKernel = neighbourhoods(a, b, 4, (block, rows, packed, m, d, out) => {
    for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) out[r * m + j] = cos(block.subarray(r * d, (r + 1) * d), packed.subarray(j * d, (j + 1) * d));
  });
  assert.deepEqual([...viaKernel.a], [...n.a], 'an injected kernel gives the same neighbourhoods');
  const top = (values: number[]) => values.sort((x, y) => y - x).slice(0, 4).reduce((s, v) => s + v, 0) / 4;
  a.forEach((x, i) => assert.ok(Math.abs(n.a[i]! - top(b.map((y) => cos(x, y)))) < 1e-6));
  b.forEach((y, j) => assert.ok(Math.abs(n.b[j]! - top(a.map((x) => cos(x, y)))) < 1e-6));
});

test('a sentence with two gold partners is right when its nearest is either', () => {
  const a = [unit(1, 0, 0)];
  const b = [unit(1, 0.1, 0), unit(1, 0.2, 0), unit(0, 1, 0)];
  const result = bitextMining({ language: 'de', rows: a }, { language: 'en', rows: b }, [[0, 0], [0, 1]], 1);
  assert.deepEqual([...result.accuracy['de-en']!.groups[0]!], [1, 1], 'the nearest, b0, is a partner of both gold pairs');
  assert.deepEqual([...result.accuracy['en-de']!.groups[0]!], [1, 1]);
});

test('gold pairs outside the sides, and two sides in one language, are refused', () => {
  assert.throws(() => bitextMining({ language: 'a', rows: [unit(1, 0)] }, { language: 'b', rows: [unit(0, 1)] }, [[0, 1]]), RangeError);
  assert.throws(() => bitextMining({ language: 'a', rows: [unit(1, 0)] }, { language: 'a', rows: [unit(0, 1)] }, [[0, 0]]), /both sides are a/);
});
