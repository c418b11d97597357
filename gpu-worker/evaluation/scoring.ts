// How the evaluator gets query-candidate scores. Embedding models score by cosine, which does not
// depend on the pool; lexical models (BM25) take corpus statistics from the pool, so the evaluator
// asks for scores per pool and lets pool-invariant scorers answer once for all pools.
//
// Plain JavaScript dot products in 4x2 register blocks over cache-sized tiles: measured here faster
// than tfjs-backend-wasm's matMul (13k candidates, d 64: 1.0-1.3 vs 0.5-0.6 G multiply-adds/s on
// a loaded 2-core machine), with no backend to initialise.

/** Which candidates a query is ranked against. */
export type Pool = { kind: 'language'; language: number } | { kind: 'all' };

export interface RetrievalScorer {
  /** True when a score does not depend on the pool: the evaluator then scores against 'all' only. */
  readonly poolInvariant: boolean;
  /**
   * Scores of queries [start, end) against the pool's candidates (in benchmark order), written
   * row-major into out[(q - start) * poolSize + c]. Candidates a scorer does not rank (below a
   * search's depth) score -Infinity: they tie last, and a relevant one among them ranks last.
   */
  scoreBlock(start: number, end: number, pool: Pool, out: Float32Array): void | Promise<void>;
}

/** Rows scaled to unit length (zero rows stay zero), so dot products are cosines. */
export function normalizeRows(x: Float32Array, d: number): Float32Array {
  if (d <= 0 || x.length % d !== 0) throw new RangeError(`array of ${x.length} values is not a matrix with ${d} columns`);
  const out = new Float32Array(x.length);
  for (let o = 0; o < x.length; o += d) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += x[o + k]! * x[o + k]!;
    if (!Number.isFinite(ss)) throw new RangeError(`row ${o / d} has a non-finite value`);
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let k = 0; k < d; k++) out[o + k] = x[o + k]! * inv;
  }
  return out;
}

/**
 * out[(i - q0) * (c1 - c0) + (j - c0)] = <a_i, b_j> for queries i in [q0, q1) of `a` and rows
 * j in [c0, c1) of `b`; both row-major with d columns. Rows of b are visited in tiles of about
 * 128 KB, so each tile is read from memory once per call rather than once per query.
 */
export function dotBlock(a: Float32Array, q0: number, q1: number, b: Float32Array, c0: number, c1: number, d: number, out: Float32Array): void {
  const width = c1 - c0;
  const tile = Math.max(16, Math.floor(32768 / d) & ~1);
  for (let t0 = c0; t0 < c1; t0 += tile) dotTile(a, q0, q1, b, t0, Math.min(c1, t0 + tile), d, out, width, c0);
}

/** Rows [t0, t1) of b against queries [q0, q1), in 4 x 2 register blocks. */
function dotTile(a: Float32Array, q0: number, q1: number, b: Float32Array, t0: number, t1: number, d: number, out: Float32Array, width: number, c0: number): void {
  let i = q0;
  for (; i + 3 < q1; i += 4) {
    const a0 = i * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d;
    const o0 = (i - q0) * width - c0, o1 = o0 + width, o2 = o1 + width, o3 = o2 + width;
    let j = t0;
    for (; j + 1 < t1; j += 2) {
      const x0 = j * d, y0 = x0 + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, u0 = 0, u1 = 0, u2 = 0, u3 = 0;
      for (let k = 0; k < d; k++) {
        const x = b[x0 + k]!, y = b[y0 + k]!;
        const p = a[a0 + k]!, q = a[a1 + k]!, r = a[a2 + k]!, s = a[a3 + k]!;
        s0 += p * x; s1 += q * x; s2 += r * x; s3 += s * x;
        u0 += p * y; u1 += q * y; u2 += r * y; u3 += s * y;
      }
      out[o0 + j] = s0; out[o1 + j] = s1; out[o2 + j] = s2; out[o3 + j] = s3;
      out[o0 + j + 1] = u0; out[o1 + j + 1] = u1; out[o2 + j + 1] = u2; out[o3 + j + 1] = u3;
    }
    for (; j < t1; j++) {
      const x0 = j * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < d; k++) {
        const x = b[x0 + k]!;
        s0 += a[a0 + k]! * x; s1 += a[a1 + k]! * x; s2 += a[a2 + k]! * x; s3 += a[a3 + k]! * x;
      }
      out[o0 + j] = s0; out[o1 + j] = s1; out[o2 + j] = s2; out[o3 + j] = s3;
    }
  }
  for (; i < q1; i++) {
    const a0 = i * d;
    const o0 = (i - q0) * width - c0;
    for (let j = t0; j < t1; j++) {
      const x0 = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += a[a0 + k]! * b[x0 + k]!;
      out[o0 + j] = s;
    }
  }
}

/** Cosine scores of row-major query and candidate embeddings (normalised copies are made once). */
export function embeddingScorer(queries: Float32Array, candidates: Float32Array, d: number): RetrievalScorer {
  const q = normalizeRows(queries, d);
  const c = normalizeRows(candidates, d);
  const n = c.length / d;
  return {
    poolInvariant: true,
    scoreBlock(start, end, pool, out) {
      if (pool.kind !== 'all') throw new Error('an embedding scorer scores against the whole pool only');
      dotBlock(q, start, end, c, 0, n, d, out);
    },
  };
}
