import assert from 'node:assert/strict';
import test from 'node:test';
import { createRng } from './random.js';
import { bootstrapInterval, bootstrapIntervals, macroMean, meanStd, pairedBootstrap, type MacroTable } from './stats.js';

const table = (...groups: number[][]): MacroTable => ({ units: groups[0]!.length, groups: groups.map((g) => Float64Array.from(g)) });

test('the macro mean averages group means over groups that have values', () => {
  // Group 1 lacks unit 2; group 3 has no values at all and is ignored.
  const t = table([1, 0, 1, 0], [1, 1, NaN, 0], [NaN, NaN, NaN, NaN]);
  assert.equal(macroMean(t), (0.5 + 2 / 3) / 2);
});

test('bootstrap intervals are seeded, contain the estimate, and collapse for constant data', () => {
  const rng = createRng(3);
  const t = table(Array.from({ length: 200 }, () => rng.next()));
  const a = bootstrapInterval(t, { B: 300, seed: 11 });
  const b = bootstrapInterval(t, { B: 300, seed: 11 });
  assert.deepEqual(a, b);
  assert.ok(a.lo < a.estimate && a.estimate < a.hi);
  const flat = bootstrapInterval(table(new Array(50).fill(0.25)), { B: 100 });
  assert.deepEqual(flat, { estimate: 0.25, lo: 0.25, hi: 0.25 });
});

test('a 95% interval of a Bernoulli mean has the normal-theory width', () => {
  const rng = createRng(5);
  const n = 400;
  const t = table(Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0)));
  const { estimate, lo, hi } = bootstrapInterval(t, { B: 2000, seed: 1 });
  const expected = 2 * 1.96 * Math.sqrt((estimate * (1 - estimate)) / n);
  assert.ok(Math.abs(hi - lo - expected) < 0.15 * expected, `width ${hi - lo}, expected about ${expected}`);
});

test('units are resampled consistently across groups and tables', () => {
  // Two groups holding the same values per unit: every replicate moves both group means together,
  // so the macro-average's interval equals the single group's interval.
  const rng = createRng(9);
  const values = Array.from({ length: 100 }, () => rng.next());
  const one = bootstrapInterval(table(values), { B: 500, seed: 2 });
  const two = bootstrapInterval(table(values, values), { B: 500, seed: 2 });
  assert.ok(Math.abs(one.lo - two.lo) < 1e-12 && Math.abs(one.hi - two.hi) < 1e-12);
  const both = bootstrapIntervals({ x: table(values), y: table(values.map((v) => 1 - v)) }, { B: 500, seed: 2 });
  assert.ok(Math.abs(both.x.lo - (1 - both.y.hi)) < 1e-12, 'the same draw serves every table');
  assert.throws(() => bootstrapIntervals({ x: table([1, 2]), y: table([1, 2, 3]) }), RangeError);
});

test('the paired test finds a constant improvement and no difference between equals', () => {
  const rng = createRng(13);
  const base = Array.from({ length: 300 }, () => rng.next());
  const better = pairedBootstrap(table(base.map((v) => v + 0.01)), table(base), { B: 999, seed: 4 });
  assert.ok(Math.abs(better.difference.estimate - 0.01) < 1e-12);
  assert.ok(Math.abs(better.difference.lo - 0.01) < 1e-9 && Math.abs(better.difference.hi - 0.01) < 1e-9);
  assert.equal(better.pValue, 1 / 1000);
  const same = pairedBootstrap(table(base), table(base), { B: 200 });
  assert.equal(same.difference.estimate, 0);
  assert.equal(same.pValue, 1);
  // Under the null (paired noise with mean 0) p-values fall below 0.05 about 5% of the time.
  let rejections = 0;
  for (let trial = 0; trial < 100; trial++) {
    const noise = base.map(() => (rng.next() - 0.5) * 0.2);
    if (pairedBootstrap(table(base.map((v, i) => v + noise[i]!)), table(base), { B: 200, seed: trial }).pValue < 0.05) rejections++;
  }
  assert.ok(rejections <= 12, `${rejections} of 100 null comparisons rejected`);
});

test('mean and sample standard deviation over seeds', () => {
  assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1, n: 3 });
  assert.deepEqual(meanStd([0.5]), { mean: 0.5, std: 0, n: 1 });
  assert.ok(Number.isNaN(meanStd([]).mean));
});

test('tables must be rectangular; a group with a single defined value counts; an empty set of tables gives nothing', () => {
  assert.throws(() => macroMean({ units: 3, groups: [Float64Array.from([1, 2])] }), RangeError);
  assert.equal(macroMean(table([1, NaN, NaN], [0, 0, 0])), 0.5);
  assert.deepEqual(bootstrapIntervals({}), {});
});

test('every unit of a draw is weighted, with n draws of n units (two units, three outcomes)', () => {
  // Units valued 1 and 0: a draw of two gives mean 1, 0.5 or 0 with probability 1/4, 1/2, 1/4, so
  // the 40% and 60% percentiles are both 0.5 (one draw would give 0 and 1, three draws 1/3 and 2/3).
  const { lo, hi, estimate } = bootstrapInterval(table([1, 0]), { B: 2000, seed: 3, level: 0.2 });
  assert.deepEqual({ lo, hi, estimate }, { lo: 0.5, hi: 0.5, estimate: 0.5 });
  const wide = bootstrapInterval(table([1, 0]), { B: 2000, seed: 3, level: 0.95 });
  assert.deepEqual([wide.lo, wide.hi], [0, 1]);
});

test('a group that a draw leaves without queries takes no part in that replicate', () => {
  // Group A has a query for unit 0 only (value 1), group B for all 50 units (value 0). A draw of 50
  // misses unit 0 with probability (49/50)^50 = 0.364: the replicate is then B's mean, 0; it is
  // (1 + 0) / 2 = 0.5 otherwise, whatever the weight of unit 0.
  const a = [1, ...new Array(49).fill(NaN)];
  const b = new Array(50).fill(0);
  const low = bootstrapInterval(table(a, b), { B: 4000, seed: 5, level: 0.9 }); // 5% and 95% percentiles
  assert.deepEqual([low.lo, low.hi], [0, 0.5]);
  const mid = bootstrapInterval(table(a, b), { B: 4000, seed: 5, level: 0.2 }); // 40% and 60%
  assert.deepEqual([mid.lo, mid.hi], [0.5, 0.5]);
  // The paired test skips draws that leave a whole target without a query, and says so in B.
  const paired = pairedBootstrap(table(a), table(b.map((_, i) => (i === 0 ? 0 : NaN))), { B: 400, seed: 6 });
  assert.ok(paired.B > 150 && paired.B < 350, `${paired.B} of 400 draws kept (expected about 255)`);
  assert.ok(Number.isInteger(Math.round(paired.pValue * (paired.B + 1) * 1e9) / 1e9));
});

test('B replicates exactly, the documented defaults, and percentiles that interpolate', () => {
  const rng = createRng(29);
  const t = table(Array.from({ length: 40 }, () => rng.next()));
  // One replicate: both ends are that replicate.
  const one = bootstrapInterval(t, { B: 1, seed: 2 });
  assert.ok(Number.isFinite(one.lo) && one.lo === one.hi, `${one.lo} ${one.hi}`);
  assert.deepEqual(bootstrapInterval(t), bootstrapInterval(t, { B: 1000, seed: 0, level: 0.95 }));
  const other = table(Array.from({ length: 40 }, (_, i) => (i % 3) / 3));
  assert.deepEqual(pairedBootstrap(t, other), pairedBootstrap(t, other, { B: 1000, seed: 0, level: 0.95 }));
  // Level 1: the extreme replicates; with three distinct replicates the 97.5% point lies above the median.
  const three = (level: number) => bootstrapInterval(t, { B: 3, seed: 4, level });
  assert.ok(three(0.95).hi > three(0).hi && three(0.95).lo < three(0).lo, JSON.stringify([three(0.95), three(0)]));
  assert.ok(Number.isFinite(three(1).hi) && three(1).hi >= three(0.95).hi);
});

test('meanStd: NaN for no values, the n - 1 standard deviation from two values on', () => {
  assert.deepEqual(meanStd([]), { mean: NaN, std: NaN, n: 0 });
  assert.deepEqual(meanStd([1, 3]), { mean: 2, std: Math.SQRT2, n: 2 });
});
