// Bitext mining (issue 16, point 4: BUCC-style id-paired sets and line-parallel sets): for every
// gold pair (a_i, b_j) and each direction, is the gold partner the nearest sentence of the other
// side among ALL of its sentences?
//   accuracy: nearest by cosine (the accuracy of bitext-mining tasks such as Tatoeba; BUCC's own
//     score is the F1 of mined pairs, which needs a threshold and is not computed here);
//   xsim error: 1 - accuracy with LASER's ratio margin (Artetxe & Schwenk 2019), which divides the
//     cosine by the mean cosine of both sentences' k nearest neighbours on the other side, so that
//     "hub" sentences close to everything stop winning.
// A sentence with several gold partners is right when its nearest sentence is any of them.
// Per-pair values go into MacroTables (one group, one unit per gold pair) so the bootstrap of
// stats.ts gives their intervals. Pure: rows are unit-normalised embeddings. The pass over all
// pairs is |a| x |b| dot products (BUCC zh-en dev: 117 million); callers pass the native matrix
// kernel when it is loaded.

import type { MacroTable } from './stats.js';

export interface BitextSide {
  language: string;
  /** Unit-normalised embeddings, one per sentence. */
  rows: readonly Float32Array[];
}

export interface BitextResult {
  /** "a-b": from side a to side b; "b-a": the other direction. Values per gold pair: 1 right, 0 wrong. */
  accuracy: Record<string, MacroTable>;
  xsimError: Record<string, MacroTable>;
}

/** The default neighbourhood of the margin, as in LASER's xsim and mining scripts. */
export const MARGIN_K = 4;

function dot(x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** Mean of the k largest values seen, kept in a small sorted buffer. */
class TopMean {
  private readonly values: Float64Array;
  private size = 0;
  constructor(private readonly k: number) {
    this.values = new Float64Array(k);
  }
  offer(v: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0 && this.values[i - 1]! < v) (this.values[i] = this.values[i - 1]!), i--;
      this.values[i] = v;
    } else if (v > this.values[this.k - 1]!) {
      let i = this.k - 1;
      while (i > 0 && this.values[i - 1]! < v) (this.values[i] = this.values[i - 1]!), i--;
      this.values[i] = v;
    }
  }
  mean(): number {
    let s = 0;
    for (let i = 0; i < this.size; i++) s += this.values[i]!;
    return this.size === 0 ? 0 : s / this.size;
  }
}

/** out[r * n + j] = block row r . packed row j, for `rows` rows of block and n of packed (d wide). */
export type BlockDots = (block: Float32Array, rows: number, packed: Float32Array, n: number, d: number, out: Float32Array) => void;

const jsDots: BlockDots = (block, rows, packed, n, d, out) => {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += block[r * d + i]! * packed[j * d + i]!;
      out[r * n + j] = s;
    }
  }
};

const pack = (rows: readonly Float32Array[], d: number) => {
  const out = new Float32Array(rows.length * d);
  rows.forEach((row, i) => out.set(row, i * d));
  return out;
};

/**
 * Mean cosine of each row's k nearest rows of the other side: one pass over a x b, in blocks of
 * `a` rows against all of `b` (`dots`: a matrix kernel; plain JS by default).
 */
export function neighbourhoods(a: readonly Float32Array[], b: readonly Float32Array[], k = MARGIN_K, dots: BlockDots = jsDots): { a: Float64Array; b: Float64Array } {
  const ka = Math.min(k, b.length);
  const kb = Math.min(k, a.length);
  const topA = a.map(() => new TopMean(ka));
  const topB = b.map(() => new TopMean(kb));
  const d = a[0]?.length ?? 0;
  const packedB = pack(b, d);
  const BLOCK = 256;
  const scores = new Float32Array(Math.min(BLOCK, a.length) * b.length);
  for (let first = 0; first < a.length; first += BLOCK) {
    const rows = Math.min(BLOCK, a.length - first);
    dots(pack(a.slice(first, first + rows), d), rows, packedB, b.length, d, scores);
    for (let r = 0, at = 0; r < rows; r++) {
      const top = topA[first + r]!;
      for (let j = 0; j < b.length; j++, at++) {
        const c = scores[at]!;
        top.offer(c);
        topB[j]!.offer(c);
      }
    }
  }
  return { a: Float64Array.from(topA, (t) => t.mean()), b: Float64Array.from(topB, (t) => t.mean()) };
}

/** Whether `from`'s nearest row of `to` is one of `gold`, by cosine and by ratio margin. Ties go to the lower index. */
function nearest(from: Float32Array, fromNeighbourhood: number, to: readonly Float32Array[], toNeighbourhoods: Float64Array, gold: ReadonlySet<number>): { cosine: boolean; margin: boolean } {
  let bestCos = -Infinity, bestCosAt = -1, bestMargin = -Infinity, bestMarginAt = -1;
  for (let j = 0; j < to.length; j++) {
    const c = dot(from, to[j]!);
    if (c > bestCos) (bestCos = c), (bestCosAt = j);
    const m = c / ((fromNeighbourhood + toNeighbourhoods[j]!) / 2);
    if (m > bestMargin) (bestMargin = m), (bestMarginAt = j);
  }
  return { cosine: gold.has(bestCosAt), margin: gold.has(bestMarginAt) };
}

/** `gold`: pairs of (row of a, row of b). `dots`: a matrix kernel for the pass over all pairs. */
export function bitextMining(a: BitextSide, b: BitextSide, gold: ReadonlyArray<readonly [number, number]>, k = MARGIN_K, dots?: BlockDots): BitextResult {
  // Directions are keyed by language pair: the two sides must differ.
  if (a.language === b.language) throw new RangeError(`both sides are ${a.language}`);
  const partnersOfA = new Map<number, Set<number>>();
  const partnersOfB = new Map<number, Set<number>>();
  for (const [i, j] of gold) {
    if (!(i >= 0 && i < a.rows.length && j >= 0 && j < b.rows.length)) throw new RangeError(`gold pair (${i}, ${j}) is outside the sides (${a.rows.length}, ${b.rows.length})`);
    (partnersOfA.get(i) ?? partnersOfA.set(i, new Set()).get(i)!).add(j);
    (partnersOfB.get(j) ?? partnersOfB.set(j, new Set()).get(j)!).add(i);
  }
  const n = neighbourhoods(a.rows, b.rows, k, dots);
  const forward = { accuracy: new Float64Array(gold.length), xsim: new Float64Array(gold.length) };
  const backward = { accuracy: new Float64Array(gold.length), xsim: new Float64Array(gold.length) };
  gold.forEach(([i, j], u) => {
    const ab = nearest(a.rows[i]!, n.a[i]!, b.rows, n.b, partnersOfA.get(i)!);
    const ba = nearest(b.rows[j]!, n.b[j]!, a.rows, n.a, partnersOfB.get(j)!);
    forward.accuracy[u] = ab.cosine ? 1 : 0;
    forward.xsim[u] = ab.margin ? 0 : 1;
    backward.accuracy[u] = ba.cosine ? 1 : 0;
    backward.xsim[u] = ba.margin ? 0 : 1;
  });
  const table = (values: Float64Array): MacroTable => ({ units: gold.length, groups: [values] });
  const ab = `${a.language}-${b.language}`;
  const ba = `${b.language}-${a.language}`;
  return {
    accuracy: { [ab]: table(forward.accuracy), [ba]: table(backward.accuracy) },
    xsimError: { [ab]: table(forward.xsim), [ba]: table(backward.xsim) },
  };
}
