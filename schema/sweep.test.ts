import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridTrials, medianDecision, randomTrials, rankTrials, sweepSettingsOf, isSweepPlan } from './sweep.js';

const rule = { rule: 'MEDIAN' as const, minValidations: 2, minTrials: 2 };

test('a grid is every combination, in the order the parameters are declared, seeds fastest', () => {
  assert.deepEqual(gridTrials({ seed: [1, 2], alpha: [0.25, 0.75] }), [
    { alpha: 0.25, seed: 1 }, { alpha: 0.25, seed: 2 }, { alpha: 0.75, seed: 1 }, { alpha: 0.75, seed: 2 },
  ]);
  assert.deepEqual(gridTrials({}), [{}]);
  assert.equal(gridTrials({ alpha: [0, 0.5, 1], seed: [1, 2, 3], learningRate: [1e-3, 3e-3] }).length, 18);
});

test('a random sweep is reproducible from its sampler seed and stays in its ranges', () => {
  const search = { trials: 20, samplerSeed: 7, ranges: { alpha: { min: 0, max: 1 }, learningRate: { min: 1e-4, max: 1e-2, logScale: true } }, choices: { seed: [1, 2, 3] } };
  const a = randomTrials(search);
  assert.deepEqual(a, randomTrials(search));
  assert.notDeepEqual(a, randomTrials({ ...search, samplerSeed: 8 }));
  assert.equal(a.length, 20);
  for (const t of a) {
    assert.ok(t.alpha! >= 0 && t.alpha! <= 1);
    assert.ok(t.learningRate! >= 1e-4 && t.learningRate! <= 1e-2);
    assert.ok([1, 2, 3].includes(t.seed!));
  }
  // Log scale: about half the draws below the geometric middle (1e-3).
  const below = a.filter((t) => t.learningRate! < 1e-3).length;
  assert.ok(below >= 5 && below <= 15, `${below} of 20 below 1e-3`);
});

test('median rule: waits for its validations and for enough completed trials, then stops a trial worse than their median', () => {
  const others = [
    [{ step: 10, loss: 2.0 }, { step: 20, loss: 1.5 }, { step: 30, loss: 1.2 }],
    [{ step: 10, loss: 2.2 }, { step: 20, loss: 1.7 }],
    [{ step: 30, loss: 0.1 }], // validated first after step 20: not compared there
  ];
  const bad = [{ step: 10, loss: 3.0 }, { step: 20, loss: 2.9 }];
  assert.deepEqual(medianDecision(bad.slice(0, 1), others, 10, rule), { stop: false, reason: 'warming up', compared: 0 });
  const decision = medianDecision(bad, others, 20, rule);
  assert.equal(decision.stop, true);
  assert.equal(decision.reason, 'compared');
  assert.equal((decision as { median: number }).median, 1.6);
  assert.equal(decision.compared, 2);
  // Its best so far counts, not its latest value.
  const good = [{ step: 10, loss: 1.0 }, { step: 20, loss: 1.65 }];
  assert.equal(medianDecision(good, others, 20, rule).stop, false);
  assert.deepEqual(medianDecision(bad, others.slice(1), 20, rule), { stop: false, reason: 'too few trials to compare', compared: 1 });
});

test('median rule over a sweep whose trials barely differ: the completed trials are the yardstick, so about half of the later trials stop, not all but minTrials', () => {
  // 12 trials whose losses differ by under 1%, in a scrambled order; the first 4 complete.
  const curve = (k: number) => [10, 20, 30, 40].map((step) => ({ step, loss: (2 - step / 50) * (1 + k / 2000) }));
  const order = [5, 2, 9, 0, 11, 7, 3, 8, 1, 10, 6, 4];
  const completed = order.slice(0, 4).map(curve);
  const later = order.slice(4);
  const stopped = later.filter((k) => medianDecision(curve(k), completed, 20, rule).stop);
  const median = [...order.slice(0, 4)].sort((a, b) => a - b).slice(1, 3).reduce((a, b) => a + b) / 2;
  assert.deepEqual(stopped, later.filter((k) => k > median), 'exactly the later trials worse than the completed median stop');
  assert.ok(stopped.length > 0 && stopped.length < later.length, `${stopped.length} of ${later.length} stopped`);
});

test('ranking: best first, ties by interval overlap with the best', () => {
  const ranked = rankTrials([
    { id: 'a', estimate: 0.30, lo: 0.25, hi: 0.35 },
    { id: 'b', estimate: 0.50, lo: 0.45, hi: 0.55 },
    { id: 'c', estimate: 0.47, lo: 0.42, hi: 0.52 },
  ]);
  assert.deepEqual(ranked.map((r) => [r.id, r.rank, r.tiedWithBest]), [['b', 1, true], ['c', 2, true], ['a', 3, false]]);
  assert.deepEqual(rankTrials([]), []);
});

test('sweep settings are read from sweep plans and from preset plans alike', () => {
  const sweep = { maxParallel: 2, metric: { suite: 'XQUAD_R', setting: 'multi', metric: 'map' }, earlyTermination: null };
  assert.deepEqual(sweepSettingsOf({ kind: 'sweep', trials: [], sweep }), sweep);
  assert.deepEqual(sweepSettingsOf({ preset: 'quick', sweep }), sweep);
  assert.equal(sweepSettingsOf({ preset: 'quick' }), null);
  assert.equal(sweepSettingsOf(null), null);
  assert.ok(isSweepPlan({ kind: 'sweep', trials: [] }));
  assert.ok(!isSweepPlan({ preset: 'quick', seeds: [] }));
});
