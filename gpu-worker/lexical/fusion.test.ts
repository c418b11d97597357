import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuse, scaleToBest, shareOfSum, standardise } from './fusion.js';

const list = (...pairs: [string, number][]) => pairs.map(([id, score]) => ({ id, score }));

test('RRF adds 1/(k + rank) over the lists; an item in one list gets one term', () => {
  const dense = list(['a', 0.9], ['b', 0.8], ['c', 0.1]);
  const lexical = list(['c', 12], ['a', 3]);
  const fused = fuse([dense, lexical], { kind: 'RRF', k: 60 });
  const expected = { a: 1 / 61 + 1 / 62, b: 1 / 62, c: 1 / 63 + 1 / 61 };
  assert.deepEqual(fused.map((f) => f.item.id), ['a', 'c', 'b']);
  for (const f of fused) assert.ok(Math.abs(f.score - expected[f.item.id as keyof typeof expected]) < 1e-12);
  // A small k lets first places dominate: one first place beats a second and a third.
  assert.deepEqual(fuse([list(['x', 1], ['y', 0.5]), list(['z', 1], ['x', 0.5]), list(['y', 1])], { kind: 'RRF', k: 1 }).map((f) => f.item.id), ['x', 'y', 'z']);
});

test('weighted fusion normalises each list to [0, 1] and weighs dense by denseWeight', () => {
  const dense = list(['a', 0.9], ['b', 0.5], ['c', 0.1]);
  const lexical = list(['c', 20], ['b', 10], ['a', 0]);
  const scores = (w: number) => Object.fromEntries(fuse([dense, lexical], { kind: 'WEIGHTED', denseWeight: w }).map((f) => [f.item.id, f.score]));
  const half = scores(0.5);
  assert.ok(Math.abs(half.a! - 0.5) < 1e-12 && Math.abs(half.b! - 0.5) < 1e-12 && Math.abs(half.c! - 0.5) < 1e-12);
  assert.deepEqual(fuse([dense, lexical], { kind: 'WEIGHTED', denseWeight: 1 }).map((f) => f.item.id), ['a', 'b', 'c']);
  assert.deepEqual(fuse([dense, lexical], { kind: 'WEIGHTED', denseWeight: 0 }).map((f) => f.item.id), ['c', 'b', 'a']);
  // A list of one item, or of equal scores, counts fully.
  assert.deepEqual(fuse([list(['x', 0.3]), []], { kind: 'WEIGHTED', denseWeight: 0.4 }).map((f) => f.score), [0.4]);
});

test('scaleToBest: the best becomes 1; empty and all-zero lists stay', () => {
  assert.deepEqual(scaleToBest(list(['a', 4], ['b', 1])).map((x) => x.score), [1, 0.25]);
  assert.deepEqual(scaleToBest([]), []);
  assert.deepEqual(scaleToBest(list(['a', 0])).map((x) => x.score), [0]);
});

test('standardise: standard scores over the depth, empty slots scoring 0', () => {
  // Scores 4 and 2 over 4 slots (two empty): mean 1.5, population sd sqrt((16 + 4) / 4 - 2.25) = sqrt(2.75).
  const sd = Math.sqrt(2.75);
  const out = standardise(list(['a', 4], ['b', 2]), 4);
  assert.deepEqual(out.map((x) => x.id), ['a', 'b']);
  assert.ok(Math.abs(out[0]!.score - 2.5 / sd) < 1e-12 && Math.abs(out[1]!.score - 0.5 / sd) < 1e-12);
  // The scale of the raw scores does not matter.
  const fixed = (xs: Array<{ score: number }>) => xs.map((x) => x.score.toFixed(12));
  assert.deepEqual(fixed(standardise(list(['a', 40], ['b', 20]), 4)), fixed(out));
  assert.deepEqual(standardise([], 10), []);
  assert.deepEqual(standardise(list(['a', 3], ['b', 3]), 2).map((x) => x.score), [0, 0]);
});

test('shareOfSum: scores over the mean of the depth slots; a best among near ties gets less than one that stands out', () => {
  // Scores 4 and 2 over 4 slots: mean 1.5.
  assert.deepEqual(shareOfSum(list(['a', 4], ['b', 2]), 4).map((x) => x.score), [4 / 1.5, 2 / 1.5]);
  const alone = shareOfSum(list(['a', 10], ['b', 1]), 100)[0]!.score;
  const crowded = shareOfSum(list(['a', 10], ...Array.from({ length: 99 }, (_, i): [string, number] => [`x${i}`, 9.5])), 100)[0]!.score;
  assert.ok(alone > 10 * crowded, `${alone} > 10 x ${crowded}`);
  assert.deepEqual(shareOfSum(list(['a', 40], ['b', 20]), 4).map((x) => x.score), [4 / 1.5, 2 / 1.5]);
  assert.deepEqual(shareOfSum([], 10), []);
  assert.deepEqual(shareOfSum(list(['a', 0]), 10).map((x) => x.score), [0]);
});
