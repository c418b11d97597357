import assert from 'node:assert/strict';
import test from 'node:test';
import type { RetrievalBenchmark } from './benchmark.js';
import { aggregateSeeds, compareHeadline, headlineIntervals, headlineTables, headlineValue, HEADLINES } from './headlines.js';
import { RETRIEVAL_METRICS } from './metrics.js';
import { createRng, randomEmbeddings } from './random.js';
import { evaluateRetrieval, evaluateWithScorer } from './retrieval.js';
import type { RetrievalScorer } from './scoring.js';
import { macroMean } from './stats.js';

const close = (actual: number, expected: number, eps = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

/** A benchmark from per-language candidate counts and queries [language, unit, relevant candidates]. */
function makeBenchmark(languages: string[], candidatesPer: number[], queries: [number, number, number[]][]): RetrievalBenchmark {
  const candidateRanges = [];
  const candidates = [];
  for (let l = 0, start = 0; l < languages.length; start += candidatesPer[l]!, l++) {
    candidateRanges.push({ start, end: start + candidatesPer[l]! });
    for (let i = 0; i < candidatesPer[l]!; i++) candidates.push({ language: languages[l]!, text: `${l}-${i}`, context: '', paragraphIndex: 0, sentenceIndex: i });
  }
  const units = [...new Set(queries.map((q) => q[1]))].sort((a, b) => a - b).map((u) => `q${u}`);
  const sorted = [...queries].sort((a, b) => a[0] - b[0]);
  const queryRanges = languages.map((_, l) => ({
    start: sorted.findIndex((q) => q[0] >= l) === -1 ? sorted.length : sorted.findIndex((q) => q[0] >= l),
    end: sorted.filter((q) => q[0] <= l).length,
  }));
  return {
    name: 'mlqa-r',
    languages,
    candidates,
    candidateRanges,
    queries: sorted.map(([l, u, relevant]) => ({ id: `q${u}`, language: languages[l]!, text: '', relevant, unit: u })),
    queryRanges,
    units,
  };
}

/** Serves rows of a fixed query x candidate score matrix, per pool or for all candidates. */
function matrixScorer(bench: RetrievalBenchmark, scores: number[][], poolInvariant: boolean): RetrievalScorer {
  return {
    poolInvariant,
    scoreBlock(start, end, pool, out) {
      const range = pool.kind === 'all' ? { start: 0, end: bench.candidates.length } : bench.candidateRanges[pool.language]!;
      const width = range.end - range.start;
      for (let q = start; q < end; q++) for (let c = range.start; c < range.end; c++) out[(q - start) * width + c - range.start] = scores[q]![c]!;
    },
  };
}

// Languages x (candidates 0-2) and y (3-6); question 2 exists only in y.
const bench = makeBenchmark(['x', 'y'], [3, 4], [
  [0, 0, [0, 3]],
  [0, 1, [1, 4]],
  [1, 0, [0, 3]],
  [1, 1, [1, 4]],
  [1, 2, [6]],
]);
const scores = [
  [0.9, 0.1, 0.5, 0.8, 0.95, 0.2, 0.3],
  [0.2, 0.7, 0.7, 0.1, 0.6, 0.6, 0.0],
  [0.1, 0.2, 0.3, 0.5, 0.4, 0.6, 0.7],
  [0, 0, 0, 0, 1, 0, 0],
  [0.3, 0.3, 0.3, 0.1, 0.2, 0.3, 0.9],
];

test('Mo., Cr., Mul. and rank distance on a hand-computed benchmark', async () => {
  const ev = await evaluateWithScorer(bench, matrixScorer(bench, scores, true), { blockSize: 2 });
  assert.deepEqual(ev.pairs.queries, [[2, 2], [2, 3]]);
  const map = ev.pairs.metrics.map;
  close(map[0]![0]!, (1 + 0.5) / 2);
  close(map[0]![1]!, (0.5 + 0.5) / 2);
  close(map[1]![0]!, (1 / 3 + 1 / 3) / 2);
  close(map[1]![1]!, (1 / 3 + 1 + 1) / 3);
  close(ev.mono.map, (0.75 + 7 / 9) / 2);
  close(ev.cross.map, (0.5 + 1 / 3) / 2);
  const multiX = ((1 / 2 + 2 / 3) / 2 + (1 / 2 + 2 / 4) / 2) / 2;
  const multiY = ((1 / 3 + 2 / 7) / 2 + (1 + 2 / 7) / 2 + 1) / 3;
  close(ev.multi.map, (multiX + multiY) / 2);
  close(ev.multi.rankDistance, ((1 + 2) / 2 + (4 + 6 + 0) / 3) / 2);
  // Recall@1 in the pool of all: x queries have no relevant item first; y: 0, 1/2, 1.
  close(ev.multi.recall1, (0 + (0 + 0.5 + 1) / 3) / 2);
  close(ev.multi.mrr10, ((1 / 2 + 1 / 2) / 2 + (1 / 3 + 1 + 1) / 3) / 2);
  // Per-query values sit at their question's unit; the missing (y, x) query of unit 2 is NaN.
  assert.deepEqual([...ev.perQuery.pair.map[2]!], [1 / 3, 1 / 3, NaN]);
  assert.deepEqual([...ev.perQuery.multi.rankDistance[1]!], [4, 6, 0]);
});

test('pool-dependent scorers go through the same ranking and agree with pool-invariant ones', async () => {
  const a = await evaluateWithScorer(bench, matrixScorer(bench, scores, true));
  const b = await evaluateWithScorer(bench, matrixScorer(bench, scores, false), { blockSize: 3 });
  assert.deepEqual(b, a);
});

/** Brute force: full sort per query and pool (ties: non-relevant first), AP by walking the list. */
function referenceAp(row: number[], pool: number[], relevant: Set<number>): number {
  const order = pool.map((c) => ({ s: row[c]!, rel: relevant.has(c) })).sort((p, q) => q.s - p.s || Number(p.rel) - Number(q.rel));
  let hits = 0;
  let sum = 0;
  order.forEach((o, i) => o.rel && (sum += ++hits / (i + 1)));
  return hits === 0 ? NaN : sum / hits;
}

test('embedding evaluation matches brute-force ranking of cosine scores', async () => {
  const rng = createRng(21);
  const per = [13, 9, 17];
  const queries: [number, number, number[]][] = [];
  const offsets = [0, 13, 22];
  const answer = Array.from({ length: 30 }, () => per.map((n) => rng.int(n)));
  const present = answer.map(() => per.map(() => rng.next() < 0.8));
  answer.forEach((a, u) => {
    const relevant = per.flatMap((_, l) => (present[u]![l] ? [offsets[l]! + a[l]!] : []));
    per.forEach((_, l) => present[u]![l] && relevant.length > 0 && queries.push([l, u, relevant]));
  });
  const b = makeBenchmark(['a', 'b', 'c'], per, queries.filter((q) => q[2].length > 0));
  const d = 6;
  const qe = randomEmbeddings(b.queries.length, d, 1);
  const ce = randomEmbeddings(b.candidates.length, d, 2);
  const ev = await evaluateRetrieval(b, qe, ce, d, { blockSize: 5 });
  const unit = (e: Float32Array, i: number) => {
    const v = Array.from(e.subarray(i * d, (i + 1) * d));
    const inv = 1 / Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    return v.map((x) => Math.fround(x * inv));
  };
  const cand = b.candidates.map((_, c) => unit(ce, c));
  b.queries.forEach((q, i) => {
    const qv = unit(qe, i);
    const row = cand.map((cv) => Math.fround(cv.reduce((s, x, k) => s + x * qv[k]!, 0)));
    const qi = b.languages.indexOf(q.language);
    b.candidateRanges.forEach((r, ci) => {
      const pool = Array.from({ length: r.end - r.start }, (_, k) => r.start + k);
      const expected = referenceAp(row, pool, new Set(q.relevant.filter((x) => x >= r.start && x < r.end)));
      const actual = ev.perQuery.pair.map[qi * 3 + ci]![q.unit]!;
      if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual));
      else close(actual, expected, 1e-12);
    });
    close(ev.perQuery.multi.map[qi]![q.unit]!, referenceAp(row, cand.map((_, c) => c), new Set(q.relevant)));
  });
  await assert.rejects(evaluateRetrieval(b, qe.subarray(d), ce, d), RangeError);
});

test('headline tables reproduce the headline numbers and feed the bootstrap', async () => {
  const ev = await evaluateWithScorer(bench, matrixScorer(bench, scores, true));
  const tables = headlineTables(ev);
  for (const h of HEADLINES) close(macroMean(tables[h]), headlineValue(ev, h));
  assert.equal(HEADLINES.length, 3 * RETRIEVAL_METRICS.length + 1);
  const intervals = headlineIntervals(ev, { B: 200, seed: 1 });
  for (const h of HEADLINES) {
    const { estimate, lo, hi } = intervals[h];
    assert.ok(lo <= estimate + 1e-12 && estimate <= hi + 1e-12, `${h}: ${lo} ${estimate} ${hi}`);
  }
  assert.equal(compareHeadline(ev, ev, 'cross.map', { B: 100 }).pValue, 1);
  const worse = await evaluateWithScorer(bench, matrixScorer(bench, scores.map((r) => r.map(() => 0)), true));
  assert.ok(compareHeadline(ev, worse, 'multi.map', { B: 100 }).difference.estimate > 0);
  const seeds = aggregateSeeds([ev, worse]);
  close(seeds['mono.map'].mean, (ev.mono.map + worse.mono.map) / 2);
  assert.equal(seeds['mono.map'].n, 2);
});

test('progress is reported and an abort stops the evaluation', async () => {
  const seen: number[] = [];
  await evaluateWithScorer(bench, matrixScorer(bench, scores, false), { blockSize: 2, onProgress: (done) => seen.push(done) });
  assert.equal(seen.at(-1), bench.queries.length * 3);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(evaluateWithScorer(bench, matrixScorer(bench, scores, true), { signal: controller.signal }));
});
