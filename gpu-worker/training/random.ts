// Seeded pseudo-random numbers. Every random choice of a run (batches, initial weights) derives
// from the run's seed, so two runs with the same spec see the same batches in the same order.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** mulberry32: small, fast, and good enough for sampling (not for cryptography). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
  };
}

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
