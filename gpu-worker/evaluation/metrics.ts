// Ranking metrics from the ranks of the relevant items only: a query's pool is never sorted.
//
// Tie policy (pessimistic, deterministic): among items with equal scores, every non-relevant item
// is ranked before every relevant one. A model cannot gain from ties (a collapsed encoder that
// scores everything equally gets the worst ranks, not chance), and results do not depend on the
// order of the candidates. Ties between relevant items do not matter: relevant items are
// interchangeable. NaN scores count as -Infinity.
//
// Definitions (|Rel| = relevant items in the pool, r_1 < r_2 < ... their ranks, 1-based):
//   AP        = (1/|Rel|) * sum_i i / r_i                                  (LAReQA: no cut-off)
//   AP@k      = (1/min(|Rel|, k)) * sum_{i: r_i <= k} i / r_i
//   Recall@k  = |{i : r_i <= k}| / |Rel|   (the fraction of the relevant items in the top k)
//   nDCG@k    = sum_{i: r_i <= k} 1/log2(r_i + 1)  /  sum_{j=1..min(|Rel|,k)} 1/log2(j + 1)
//   MRR@k     = 1/r_1 if r_1 <= k, else 0
//   rank distance = r_last - r_first                                       (Huang et al. 2023)
// A query with no relevant item in the pool has no value (NaN) and is left out of every mean.

/** Relevant scores as sorted thresholds (NaN -> -Infinity), for countItem and ranksFromCounts. */
export function sortedThresholds(relevantScores: ArrayLike<number>): Float64Array {
  const t = Float64Array.from(relevantScores, (s) => (s === s ? s : -Infinity));
  return t.sort();
}

/** Adds one pool item of score s to hist (length m + 1): hist[k] counts items with k thresholds <= s. */
export function countItem(hist: Int32Array, histOffset: number, t: Float64Array, tOffset: number, m: number, s: number): void {
  if (s !== s) s = -Infinity;
  let k = 0;
  while (k < m && t[tOffset + k]! <= s) k++;
  hist[histOffset + k]!++;
}

/**
 * Pessimistic ranks (ascending) of relevant items, given the m sorted thresholds t[tOffset..] and
 * the histogram hist[histOffset..] of every pool item against them (see countItem). By default the
 * relevant items are those of the thresholds; `own` (sorted ascending, a subset of the thresholds)
 * ranks a pool that holds only some of them, e.g. one language's candidates counted against the
 * thresholds of all languages.
 */
export function ranksFromCounts(t: Float64Array, tOffset: number, m: number, hist: Int32Array, histOffset: number, own?: Float64Array): Int32Array {
  const mine = own ?? t.subarray(tOffset, tOffset + m);
  const atLeastK = new Int32Array(m + 2); // items with at least k thresholds <= their score
  for (let k = m; k >= 0; k--) atLeastK[k] = atLeastK[k + 1]! + hist[histOffset + k]!;
  const n = mine.length;
  const ranks = new Int32Array(n);
  // Items scoring >= v (v a threshold) are exactly those with at least |{t <= v}| thresholds at or
  // below their score. The i-th best relevant item (1-based) has score mine[n - i].
  for (let i = 1; i <= n; i++) {
    const v = mine[n - i]!;
    let upto = 0;
    while (upto < m && t[tOffset + upto]! <= v) upto++;
    let relevantAtLeast = 0;
    for (let j = 0; j < n; j++) if (mine[j]! >= v) relevantAtLeast++;
    ranks[i - 1] = atLeastK[upto]! - relevantAtLeast + i;
  }
  return ranks;
}

/**
 * Ranks (ascending) of the relevant items `relevant` (indices into `scores`, inside [from, to))
 * within the pool scores[from..to), under the pessimistic tie policy. One pass over the pool.
 */
export function pessimisticRanks(scores: ArrayLike<number>, from: number, to: number, relevant: readonly number[]): Int32Array {
  const m = relevant.length;
  for (const r of relevant) {
    if (r < from || r >= to) throw new RangeError(`relevant item ${r} is outside the pool [${from}, ${to})`);
  }
  const t = sortedThresholds(relevant.map((r) => scores[r]!));
  const hist = new Int32Array(m + 1);
  for (let c = from; c < to; c++) countItem(hist, 0, t, 0, m, scores[c]!);
  return ranksFromCounts(t, 0, m, hist, 0);
}

/** Full AP from ascending ranks; NaN when there is no relevant item. */
export function averagePrecision(ranks: ArrayLike<number>): number {
  const n = ranks.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (i + 1) / ranks[i]!;
  return sum / n;
}

export function averagePrecisionAt(ranks: ArrayLike<number>, k: number): number {
  const n = ranks.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n && ranks[i]! <= k; i++) sum += (i + 1) / ranks[i]!;
  return sum / Math.min(n, k);
}

export function recallAt(ranks: ArrayLike<number>, k: number): number {
  const n = ranks.length;
  if (n === 0) return NaN;
  let hits = 0;
  while (hits < n && ranks[hits]! <= k) hits++;
  return hits / n;
}

export function ndcgAt(ranks: ArrayLike<number>, k: number): number {
  const n = ranks.length;
  if (n === 0) return NaN;
  let dcg = 0;
  for (let i = 0; i < n && ranks[i]! <= k; i++) dcg += 1 / Math.log2(ranks[i]! + 1);
  let ideal = 0;
  for (let j = 1; j <= Math.min(n, k); j++) ideal += 1 / Math.log2(j + 1);
  return dcg / ideal;
}

export function reciprocalRankAt(ranks: ArrayLike<number>, k: number): number {
  if (ranks.length === 0) return NaN;
  const first = ranks[0]!;
  return first <= k ? 1 / first : 0;
}

export function rankDistance(ranks: ArrayLike<number>): number {
  return ranks.length === 0 ? NaN : ranks[ranks.length - 1]! - ranks[0]!;
}

/** The metrics every retrieval table reports. */
export const RETRIEVAL_METRICS = ['map', 'recall1', 'recall10', 'ndcg10', 'mrr10'] as const;
export type RetrievalMetric = (typeof RETRIEVAL_METRICS)[number];
export type MetricValues = Record<RetrievalMetric, number>;

export function queryMetrics(ranks: ArrayLike<number>): MetricValues {
  return {
    map: averagePrecision(ranks),
    recall1: recallAt(ranks, 1),
    recall10: recallAt(ranks, 10),
    ndcg10: ndcgAt(ranks, 10),
    mrr10: reciprocalRankAt(ranks, 10),
  };
}

/** Mean of the defined (non-NaN) values; NaN when there are none. */
export function meanDefined(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}
