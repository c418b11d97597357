import assert from 'node:assert/strict';
import test from 'node:test';
import { alignmentIntervals, evaluateAlignment, linearCkaMatrix } from './alignment.js';
import { averagePrecision, pessimisticRanks } from './metrics.js';
import { createRng, randomEmbeddings } from './random.js';
import { normalizeRows } from './scoring.js';

const close = (actual: number, expected: number, eps = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

/** Noisy copies of shared sentence vectors: aligned languages with a controllable amount of noise. */
function noisyLanguages(L: number, n: number, d: number, noise: number, seed: number): Float32Array[] {
  const base = randomEmbeddings(n, d, seed);
  return Array.from({ length: L }, (_, l) => {
    const eps = randomEmbeddings(n, d, seed + 1 + l);
    return base.map((v, i) => v + noise * eps[i]!);
  });
}

const cosine = (x: Float32Array[], d: number, a: number, i: number, b: number, j: number) => {
  let s = 0;
  for (let k = 0; k < d; k++) s += x[a]![i * d + k]! * x[b]![j * d + k]!;
  return Math.fround(s);
};

test('identical embeddings in every language are perfectly aligned', () => {
  const e = randomEmbeddings(12, 5, 1);
  const ev = evaluateAlignment(['a', 'b', 'c'], [e, e, e], 5);
  assert.equal(ev.meanTranslationAccuracy, 1);
  assert.equal(ev.pooledMap, 1);
  close(ev.meanCka, 1);
  assert.ok(Number.isNaN(ev.translationAccuracy[1]![1]!));
  close(ev.translationCosine[0]![2]!, 1, 1e-6);
});

test('translation accuracy and pooled mAP agree with brute-force ranking', () => {
  const L = 4, n = 25, d = 6;
  const emb = noisyLanguages(L, n, d, 0.9, 3);
  const ev = evaluateAlignment(['a', 'b', 'c', 'e'], emb, d, { blockRows: 7 });
  const x = emb.map((e) => normalizeRows(e, d));
  for (let a = 0; a < L; a++) {
    for (let b = 0; b < L; b++) {
      if (a === b) continue;
      let correct = 0;
      for (let i = 0; i < n; i++) {
        const row = Array.from({ length: n }, (_, j) => cosine(x, d, a, i, b, j));
        if (pessimisticRanks(row, 0, n, [i])[0] === 1) correct++;
      }
      close(ev.translationAccuracy[a]![b]!, correct / n);
    }
  }
  let sum = 0;
  for (let a = 0; a < L; a++) {
    for (let i = 0; i < n; i++) {
      // Pool: every sentence of every language but the query itself.
      const scores: number[] = [];
      const relevant: number[] = [];
      for (let b = 0; b < L; b++) {
        for (let j = 0; j < n; j++) {
          if (a === b && i === j) continue;
          if (j === i) relevant.push(scores.length);
          scores.push(cosine(x, d, a, i, b, j));
        }
      }
      const ap = averagePrecision(pessimisticRanks(scores, 0, scores.length, relevant));
      close(ev.perSentence.pooledAp[a]![i]!, ap, 1e-12);
      sum += ap;
    }
  }
  close(ev.pooledMap, sum / (L * n));
  const ci = alignmentIntervals(ev, { B: 200 });
  close(ci.pooledMap.estimate, ev.pooledMap);
  close(ci.translationAccuracy.estimate, ev.meanTranslationAccuracy);
  assert.ok(ci.translationAccuracy.lo < ci.translationAccuracy.estimate && ci.translationAccuracy.estimate < ci.translationAccuracy.hi);
  assert.ok(ev.meanTranslationAccuracy > 0.2 && ev.meanTranslationAccuracy < 1, `${ev.meanTranslationAccuracy}`);
});

test('the similarity index divides translation cosine by the mean cosine of non-translations', () => {
  const n = 10, d = 4;
  const emb = noisyLanguages(2, n, d, 0.5, 8).map((e) => e.map((v) => v + 1)); // anisotropic
  const ev = evaluateAlignment(['a', 'b'], emb, d);
  const x = emb.map((e) => normalizeRows(e, d));
  let own = 0, other = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (i === j ? (own += cosine(x, d, 0, i, 1, j)) : (other += cosine(x, d, 0, i, 1, j)));
  close(ev.translationCosine[0]![1]!, own / n, 1e-6);
  close(ev.randomCosine[0]![1]!, other / (n * n - n), 1e-6);
  close(ev.similarityIndex[1]![0]!, own / n / (other / (n * n - n)), 1e-5);
});

test('linear CKA: Gram and feature forms agree, invariant to rotation and scale, low for unrelated data', () => {
  const n = 30, d = 8;
  const rng = createRng(4);
  const x = randomEmbeddings(n, d, 10);
  // An orthogonal map: a permutation of the columns with random signs, then scaling by 3.
  const perm = Array.from({ length: d }, (_, k) => k).sort(() => rng.next() - 0.5);
  const signs = perm.map(() => (rng.next() < 0.5 ? -3 : 3));
  const rotated = x.map((_, idx) => {
    const i = Math.floor(idx / d), k = idx % d;
    return x[i * d + perm[k]!]! * signs[k]!;
  });
  const unrelated = randomEmbeddings(n, d, 99);
  const gram = linearCkaMatrix([x, rotated, unrelated], d, 'gram');
  const feature = linearCkaMatrix([x, rotated, unrelated], d, 'feature');
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) close(gram[a]![b]!, feature[a]![b]!, 1e-5);
  close(gram[0]![1]!, 1, 1e-5);
  close(gram[2]![2]!, 1, 1e-6);
  assert.ok(gram[0]![2]! < 0.6, `${gram[0]![2]}`);
  // Centring: adding a constant vector to every row changes nothing.
  const shifted = x.map((v, idx) => v + (idx % d) * 5);
  close(linearCkaMatrix([x, shifted], d)[0]![1]!, 1, 1e-5);
});

test('inputs of the wrong shape are refused', () => {
  const e = randomEmbeddings(4, 3, 1);
  assert.throws(() => evaluateAlignment(['a', 'b'], [e], 3), RangeError);
  assert.throws(() => evaluateAlignment(['a', 'b'], [e, e.subarray(3)], 3), RangeError);
});
