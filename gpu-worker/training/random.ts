// Seeded pseudo-random numbers. Every random choice of a run (batches, initial weights) derives
// from the run's seed, so two runs with the same spec see the same batches in the same order.

import { createRandom, type Random } from '../../schema/random.js';

export { createRandom, type Random };

/** k distinct integers from [0, n) (Floyd's algorithm: k draws, no copy of the range). */
export function sampleDistinct(random: Random, n: number, k: number): number[] {
  if (k > n) throw new RangeError(`cannot draw ${k} distinct items from ${n}`);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = random.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen];
}
