// Seeded randomness for the evaluation: bootstrap resampling and the random-embedding "chance"
// baseline, on the same generator as training (mulberry32) plus normal draws.

import { createRandom, type Random } from '../training/random.js';

export interface Rng extends Random {
  /** Standard normal (Box-Muller). */
  normal(): number;
}

export function createRng(seed: number): Rng {
  const random = createRandom(seed);
  return {
    ...random,
    normal: () => {
      const u = 1 - random.next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
    },
  };
}

/**
 * n x d Gaussian embeddings, row-major: the "chance" reference (an encoder that knows nothing).
 * Isotropic, so after normalisation every direction is equally likely.
 */
export function randomEmbeddings(n: number, d: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n * d);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}
