import assert from 'node:assert/strict';
import test from 'node:test';
import {
  averagePrecision,
  countItem,
  ranksFromCounts,
  sortedThresholds,
  averagePrecisionAt,
  meanDefined,
  ndcgAt,
  pessimisticRanks,
  queryMetrics,
  rankDistance,
  recallAt,
  reciprocalRankAt,
} from './metrics.js';
import { createRng } from './random.js';

const close = (actual: number, expected: number, eps = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

test('ranks count strictly higher scores, and ties go against the relevant item', () => {
  assert.deepEqual([...pessimisticRanks([0.9, 0.1, 0.5, 0.3], 0, 4, [2])], [2]);
  // 0.5 ties with a non-relevant item: the relevant one is ranked after it.
  assert.deepEqual([...pessimisticRanks([0.9, 0.5, 0.5, 0.1], 0, 4, [2])], [3]);
  assert.deepEqual([...pessimisticRanks([0.9, 0.5, 0.5, 0.1], 0, 4, [1])], [3]);
  // Two relevant items tied with each other and with one non-relevant item: ranks 2 and 3.
  assert.deepEqual([...pessimisticRanks([0.5, 0.5, 0.5, 0.2], 0, 4, [0, 1])], [2, 3]);
  // A constant scorer gets the worst possible ranks.
  assert.deepEqual([...pessimisticRanks([1, 1, 1, 1, 1], 0, 5, [0, 3])], [4, 5]);
  // NaN scores rank as -Infinity.
  assert.deepEqual([...pessimisticRanks([NaN, 0.2, -1], 0, 3, [2])], [2]);
  assert.deepEqual([...pessimisticRanks([NaN, 0.2, NaN], 0, 3, [2])], [3]);
});

test('ranks are taken within the pool [from, to) only', () => {
  const scores = [5, 4, 0.9, 0.1, 0.5, 3];
  assert.deepEqual([...pessimisticRanks(scores, 2, 5, [4])], [2]);
  assert.throws(() => pessimisticRanks(scores, 2, 5, [5]), RangeError);
});

test('AP, AP@k, recall, nDCG and MRR on hand-computed rankings', () => {
  const ranks = [1, 3];
  close(averagePrecision(ranks), (1 / 1 + 2 / 3) / 2);
  close(recallAt(ranks, 1), 0.5);
  close(recallAt(ranks, 10), 1);
  close(ndcgAt(ranks, 10), (1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3)));
  close(reciprocalRankAt(ranks, 10), 1);
  close(averagePrecisionAt([1, 3, 20], 10), (1 + 2 / 3) / 3);
  close(averagePrecisionAt([1, 3, 20], 2), 1 / 2); // normalised by min(|Rel|, k)
  close(averagePrecision([1, 3, 20]), (1 + 2 / 3 + 3 / 20) / 3);
  close(averagePrecision([2, 3]), (1 / 2 + 2 / 3) / 2);
  close(ndcgAt([2, 5], 10), (1 / Math.log2(3) + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3)));
  close(reciprocalRankAt([4, 9], 10), 1 / 4);
  assert.equal(rankDistance([3, 7, 40]), 37);
  assert.equal(rankDistance([5]), 0);
});

test('nothing relevant in the top k scores 0; no relevant item at all is undefined', () => {
  const far = [11, 50];
  assert.equal(recallAt(far, 10), 0);
  assert.equal(reciprocalRankAt(far, 10), 0);
  assert.equal(ndcgAt(far, 10), 0);
  assert.equal(averagePrecisionAt(far, 10), 0);
  close(averagePrecision(far), (1 / 11 + 2 / 50) / 2);
  for (const v of Object.values(queryMetrics([]))) assert.ok(Number.isNaN(v));
  assert.ok(Number.isNaN(rankDistance([])));
  assert.equal(meanDefined([NaN, 1, 3, NaN]), 2);
  assert.ok(Number.isNaN(meanDefined([NaN])));
});

/** Independent formulation: sort the whole pool (ties: non-relevant first) and walk the list. */
function referenceMetrics(scores: number[], relevant: Set<number>) {
  const order = scores
    .map((s, i) => ({ s: Number.isNaN(s) ? -Infinity : s, i, rel: relevant.has(i) }))
    .sort((x, y) => (y.s !== x.s ? y.s - x.s : Number(x.rel) - Number(y.rel)));
  let hits = 0;
  let sumPrecision = 0;
  let dcg = 0;
  let firstHit = 0;
  order.forEach((item, pos) => {
    if (!item.rel) return;
    hits++;
    sumPrecision += hits / (pos + 1);
    if (pos < 10) dcg += 1 / Math.log2(pos + 2);
    if (firstHit === 0) firstHit = pos + 1;
  });
  const top = (k: number) => order.slice(0, k).filter((x) => x.rel).length / relevant.size;
  let ideal = 0;
  for (let j = 1; j <= Math.min(10, relevant.size); j++) ideal += 1 / Math.log2(j + 1);
  return {
    map: sumPrecision / relevant.size,
    recall1: top(1),
    recall10: top(10),
    ndcg10: dcg / ideal,
    mrr10: firstHit <= 10 ? 1 / firstHit : 0,
  };
}

test('metrics from relevant ranks agree with a full sort of the pool (random pools, many ties)', () => {
  const rng = createRng(7);
  for (let trial = 0; trial < 500; trial++) {
    const n = 1 + rng.int(60);
    const levels = 1 + rng.int(6); // few distinct scores: ties everywhere
    const scores = Array.from({ length: n }, () => (rng.next() < 0.05 ? NaN : rng.int(levels) / levels));
    const relevant = new Set(Array.from({ length: 1 + rng.int(Math.min(n, 12)) }, () => rng.int(n)));
    const ours = queryMetrics(pessimisticRanks(scores, 0, n, [...relevant].sort((a, b) => a - b)));
    const ref = referenceMetrics(scores, relevant);
    for (const k of Object.keys(ref) as (keyof typeof ref)[]) close(ours[k], ref[k], 1e-12);
  }
});

test('one counting pass against all relevant scores ranks every sub-pool too', () => {
  const rng = createRng(17);
  for (let trial = 0; trial < 300; trial++) {
    const n = 2 + rng.int(40);
    const split = 1 + rng.int(n - 1); // sub-pools [0, split) and [split, n)
    const scores = Array.from({ length: n }, () => rng.int(5));
    const relevant = [...new Set(Array.from({ length: 1 + rng.int(8) }, () => rng.int(n)))];
    const t = sortedThresholds(relevant.map((r) => scores[r]!));
    const m = t.length;
    const hist = new Int32Array(2 * (m + 1));
    scores.forEach((s, c) => countItem(hist, c < split ? 0 : m + 1, t, 0, m, s));
    [[0, split], [split, n]].forEach(([from, to], part) => {
      const mine = relevant.filter((r) => r >= from! && r < to!);
      if (mine.length === 0) return;
      const own = sortedThresholds(mine.map((r) => scores[r]!));
      assert.deepEqual([...ranksFromCounts(t, 0, m, hist, part * (m + 1), own)], [...pessimisticRanks(scores, from!, to!, mine)]);
    });
  }
});

test('thresholds and histograms of many queries packed in one array: each query reads only its own block', () => {
  // countItem documents t[tOffset..tOffset + m) and hist[histOffset..histOffset + m]: what lies
  // after a query's block (the next query's thresholds) must not count.
  const rng = createRng(23);
  for (let trial = 0; trial < 200; trial++) {
    const queries = 2 + rng.int(4);
    const pools: { scores: number[]; relevant: number[] }[] = [];
    for (let q = 0; q < queries; q++) {
      const n = 2 + rng.int(20);
      const scores = Array.from({ length: n }, () => rng.int(6) / 5);
      pools.push({ scores, relevant: [...new Set(Array.from({ length: 1 + rng.int(4) }, () => rng.int(n)))].sort((a, b) => a - b) });
    }
    const blocks = pools.map((p) => sortedThresholds(p.relevant.map((r) => p.scores[r]!)));
    const t = new Float64Array(blocks.reduce((s, b) => s + b.length, 0));
    const hist = new Int32Array(blocks.reduce((s, b) => s + b.length + 1, 0));
    let tOffset = 0;
    let hOffset = 0;
    pools.forEach((p, q) => {
      const m = blocks[q]!.length;
      t.set(blocks[q]!, tOffset);
      for (const s of p.scores) countItem(hist, hOffset, t, tOffset, m, s);
      const expected = [...pessimisticRanks(p.scores, 0, p.scores.length, p.relevant)];
      assert.deepEqual([...ranksFromCounts(t, tOffset, m, hist, hOffset)], expected, `query ${q} of trial ${trial}`);
      tOffset += m;
      hOffset += m + 1;
    });
    // Filled before, checked again after the later blocks were written.
    tOffset = 0;
    hOffset = 0;
    pools.forEach((p, q) => {
      const m = blocks[q]!.length;
      assert.deepEqual([...ranksFromCounts(t, tOffset, m, hist, hOffset)], [...pessimisticRanks(p.scores, 0, p.scores.length, p.relevant)]);
      tOffset += m;
      hOffset += m + 1;
    });
  }
  // A hand case: block A = [0.2, 0.6] then block B = [0.1, 0.9]; a score of 0.95 is above both of
  // A's thresholds, so it goes to hist[2] of A, not further.
  const t = Float64Array.from([0.2, 0.6, 0.1, 0.9]);
  const hist = new Int32Array(6);
  countItem(hist, 0, t, 0, 2, 0.95);
  assert.deepEqual([...hist], [0, 0, 1, 0, 0, 0]);
});

test('AP@k counts a relevant item at rank exactly k, and a single relevant item is defined', () => {
  close(averagePrecisionAt([1, 3], 3), (1 + 2 / 3) / 2);
  close(averagePrecisionAt([3], 10), 1 / 3);
  close(averagePrecisionAt([3], 3), 1 / 3);
  close(averagePrecisionAt([4], 3), 0);
  close(averagePrecision([4]), 1 / 4);
  close(recallAt([5], 5), 1);
  close(ndcgAt([10], 10), 1 / Math.log2(11));
  close(reciprocalRankAt([10], 10), 1 / 10);
});

test('meanDefined averages every defined value, the first and a lone one included', () => {
  assert.equal(meanDefined([2, 4]), 3);
  assert.equal(meanDefined([5]), 5);
  assert.equal(meanDefined(Float64Array.from([1, NaN, 2, 6])), 3);
});
