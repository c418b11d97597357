// Seeded synthetic vector sets for the vector benchmark (bench.ts) and the recall tests.
//
// - random: uniform in the cube, normalised; no structure, the worst case for HNSW.
// - clustered: Gaussian noise around `centres` Gaussian centres (cosine about 0.5 to the centre).
// - nearduplicate: `base` clustered vectors (the XQuAD-R pool stands in the GraphQL benchmark)
//   followed by copies of them, row r a copy of base vector r % base, perturbed with Gaussian
//   noise of 0.05 per component and renormalised (cosine about 0.93 to their source): with the
//   defaults, 1,000,000 rows hold about 76 near-copies of every base vector. Queries are fresh
//   draws from the base distribution, so their true top-10 is spread over the near-copies of a
//   few base vectors with almost equal scores.

import { normalized } from './matrix.js';

export type SyntheticKind = 'random' | 'clustered' | 'nearduplicate';

export interface SyntheticOptions {
  rows: number;
  dimension: number;
  kind: SyntheticKind;
  /** Cluster centres (clustered, and the base vectors of nearduplicate); default 1000. */
  centres?: number;
  /** nearduplicate: how many base vectors are copied; default 13,014 (the XQuAD-R pool). */
  base?: number;
  /** nearduplicate: standard deviation of the noise per component; default 0.05. */
  noise?: number;
  seed?: number;
}

export const XQUAD_R_POOL = 13_014;

/** mulberry32: a small, fast, seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededGaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export interface SyntheticSet {
  /** rows x dimension normalised vectors. */
  vectors: Float32Array;
  /** A further normalised draw from the same distribution (the base distribution for nearduplicate). */
  query(): Float32Array;
}

export function syntheticSet(options: SyntheticOptions): SyntheticSet {
  const { rows, dimension: d, kind } = options;
  const random = seededRandom(options.seed ?? 1);
  const gauss = seededGaussian(random);
  const centres = Array.from({ length: options.centres ?? 1000 }, () => Float32Array.from({ length: d }, gauss));
  const clustered = () => normalized(centres[Math.floor(random() * centres.length)]!.map((x) => x + gauss()));
  const draw = kind === 'random' ? () => normalized(Float32Array.from({ length: d }, () => random() * 2 - 1)) : clustered;
  const vectors = new Float32Array(rows * d);
  if (kind === 'nearduplicate') {
    const base = Math.min(rows, options.base ?? XQUAD_R_POOL);
    const noise = options.noise ?? 0.05;
    for (let r = 0; r < rows; r++) {
      const source = r < base ? draw() : vectors.subarray((r % base) * d, (r % base + 1) * d).map((x) => x + noise * gauss());
      vectors.set(r < base ? source : normalized(source), r * d);
    }
  } else {
    for (let r = 0; r < rows; r++) vectors.set(draw(), r * d);
  }
  return { vectors, query: draw };
}
