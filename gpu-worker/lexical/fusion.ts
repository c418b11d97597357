// Fusing ranked lists into one: reciprocal-rank fusion (Cormack et al. 2009), which needs no score
// calibration, or a weighted sum of min-max normalised scores, which keeps score gaps. A candidate
// missing from a list gets nothing from it (RRF) or that list's minimum (weighted), so lists cut
// at a depth fuse the same way whatever lies below the cut.

import type { Fusion } from '../../schema/serving.js';

export interface Scored {
  id: string;
  score: number;
}

/** Fused scores, best first; ties keep the first list's order. `lists[0]` is dense, `lists[1]` lexical in weighted fusion. */
export function fuse<T extends Scored>(lists: readonly (readonly T[])[], fusion: Fusion): Array<{ item: T; score: number }> {
  const fused = new Map<string, { item: T; score: number; first: number }>();
  let order = 0;
  const add = (item: T, score: number) => {
    const entry = fused.get(item.id);
    if (entry) entry.score += score;
    else fused.set(item.id, { item, score, first: order++ });
  };
  switch (fusion.kind) {
    case 'RRF':
      for (const list of lists) list.forEach((item, rank) => add(item, 1 / (fusion.k + rank + 1)));
      break;
    case 'WEIGHTED': {
      const weights = [fusion.denseWeight, 1 - fusion.denseWeight];
      const ranges = lists.map((list) => {
        const scores = list.map((x) => x.score);
        return { min: Math.min(...scores), max: Math.max(...scores) };
      });
      lists.forEach((list, l) => {
        const { min, max } = ranges[l]!;
        for (const item of list) add(item, (weights[l] ?? 0) * (max > min ? (item.score - min) / (max - min) : 1));
      });
      break;
    }
    default:
      return fusion satisfies never;
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.first - b.first).map(({ item, score }) => ({ item, score }));
}

/** Scores scaled so the list's best is 1 (an empty or all-zero list stays as it is). */
export function scaleToBest<T extends Scored>(list: readonly T[]): T[] {
  const best = list.reduce((m, x) => Math.max(m, x.score), 0);
  return best > 0 ? list.map((x) => ({ ...x, score: x.score / best })) : [...list];
}

/**
 * Per-list score normalisations for merging lists whose raw scales differ (Montague and Aslam 2001,
 * "Relevance score normalization for metasearch"), over the `depth` best slots of a list, the
 * slots it leaves empty scoring 0 (below a lexical cut nothing matched better):
 * - ZMUV: standard scores (zero mean, unit variance): how far a hit stands out from its list;
 * - SUM: each score over the mean of the slots: a hit's share of what the list matched, so a best
 *   that barely beats a crowd of near ties (a question word matched in many short sentences)
 *   gets little, one that matched rare words the rest lack gets much.
 * A list with nothing to tell its hits apart (all equal, or all 0) scores 0 under ZMUV; an
 * all-zero list stays 0 under SUM. The raw scale of a list never matters.
 */
export function standardise<T extends Scored>(list: readonly T[], depth: number): T[] {
  const { mean, squares } = moments(list, depth);
  const sd = Math.sqrt(Math.max(0, squares - mean * mean));
  return list.map((x) => ({ ...x, score: sd > 0 ? (x.score - mean) / sd : 0 }));
}

export function shareOfSum<T extends Scored>(list: readonly T[], depth: number): T[] {
  const { mean } = moments(list, depth);
  return list.map((x) => ({ ...x, score: mean > 0 ? x.score / mean : 0 }));
}

function moments(list: readonly Scored[], depth: number): { mean: number; squares: number } {
  const slots = Math.max(depth, list.length);
  let sum = 0;
  let squares = 0;
  for (const { score } of list) {
    sum += score;
    squares += score * score;
  }
  return { mean: sum / slots, squares: squares / slots };
}
