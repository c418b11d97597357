// Alignment of embeddings of the same n sentences in L languages (XNLI): translation matching,
// the cross-lingual similarity index, linear CKA, and LAReQA-style pooled mAP. All cosine-based
// measures come from one pass over the L(L+1)/2 blocks of sentence-sentence cosines.

import { averagePrecision, countItem, meanDefined, ranksFromCounts, sortedThresholds } from './metrics.js';
import { dotBlock, normalizeRows } from './scoring.js';
import { bootstrapIntervals, type BootstrapOptions, type Interval } from './stats.js';

export interface AlignmentEvaluation {
  languages: string[];
  sentences: number;
  /** [a][b]: share of language-a sentences whose nearest language-b sentence is their translation (diagonal NaN). */
  translationAccuracy: number[][];
  /** Mean over the L(L-1) ordered pairs. */
  meanTranslationAccuracy: number;
  /**
   * [a][b] (symmetric): mean cosine of translation pairs, of all non-translation pairs, and their
   * ratio. The ratio only means something when the non-translation mean is clearly positive (the
   * anisotropy it corrects for); near 0, as for isotropic random embeddings, it is unbounded.
   */
  translationCosine: number[][];
  randomCosine: number[][];
  similarityIndex: number[][];
  meanSimilarityIndex: number;
  /** [a][b] (symmetric, diagonal 1): linear CKA of the centred embeddings as given (not normalised). */
  cka: number[][];
  meanCka: number;
  /** Every sentence of every language against the pool of all others; its L - 1 translations are relevant. */
  pooledMap: number;
  pooledMapByLanguage: number[];
  /** Per-sentence values for the bootstrap (unit = sentence index). */
  perSentence: {
    /** [a * L + b][i]: 1 when sentence i of a matches its translation in b (NaN on the diagonal). */
    translation: Float64Array[];
    /** [a][i]: AP of sentence i of language a in the pool. */
    pooledAp: Float64Array[];
  };
}

export interface AlignmentOptions {
  /** Rows of a cosine block computed at a time. */
  blockRows?: number;
}

function squareMatrix(L: number, f: (a: number, b: number) => number): number[][] {
  return Array.from({ length: L }, (_, a) => Array.from({ length: L }, (_, b) => f(a, b)));
}

const offDiagonalMean = (x: number[][]) => meanDefined(x.flatMap((row, a) => row.filter((_, b) => b !== a)));

/** embeddings[l]: n x d row-major embeddings of the n sentences in languages[l]. */
export function evaluateAlignment(languages: readonly string[], embeddings: readonly Float32Array[], d: number, options: AlignmentOptions = {}): AlignmentEvaluation {
  const L = languages.length;
  if (embeddings.length !== L) throw new RangeError(`${embeddings.length} embedding matrices for ${L} languages`);
  const n = embeddings[0]!.length / d;
  if (!Number.isInteger(n) || embeddings.some((e) => e.length !== n * d)) throw new RangeError('every language needs n x d embeddings of the same n sentences');
  if (n < 2 || L < 2) throw new RangeError('alignment needs at least 2 languages and 2 sentences');
  const x = embeddings.map((e) => normalizeRows(e, d));
  const blockRows = options.blockRows ?? 128;

  // Cosine of sentence i with its own translation, per language pair: summed in dotBlock's order
  // and rounded to float32 like the blocks, so a translation ties exactly with itself below.
  const own = (a: number, b: number, i: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[a]![i * d + k]! * x[b]![i * d + k]!;
    return Math.fround(s);
  };
  const diag = Array.from({ length: L * L }, (_, ab) => Float64Array.from({ length: n }, (_, i) => own(Math.floor(ab / L), ab % L, i)));
  // Pooled-mAP bookkeeping: each query (a, i) has m = L - 1 thresholds (its translations' cosines).
  const m = L - 1;
  const thresholds = new Float64Array(L * n * m);
  for (let a = 0; a < L; a++) {
    for (let i = 0; i < n; i++) {
      const t = sortedThresholds(languages.flatMap((_, b) => (b === a ? [] : [diag[a * L + b]![i]!])));
      thresholds.set(t, (a * n + i) * m);
    }
  }
  const hist = new Int32Array(L * n * (m + 1));
  const beaten = Array.from({ length: L * L }, () => new Int32Array(n)); // [a*L+b][i]: b-sentences scoring >= the translation

  const block = new Float32Array(blockRows * n);
  for (let a = 0; a < L; a++) {
    for (let b = a; b < L; b++) {
      for (let r0 = 0; r0 < n; r0 += blockRows) {
        const r1 = Math.min(n, r0 + blockRows);
        dotBlock(x[a]!, r0, r1, x[b]!, 0, n, d, block);
        for (let i = r0; i < r1; i++) {
          const row = (i - r0) * n;
          const qa = a * n + i;
          for (let j = 0; j < n; j++) {
            if (a === b && j === i) continue; // a query is not its own candidate
            const s = block[row + j]!;
            countItem(hist, qa * (m + 1), thresholds, qa * m, m, s);
            if (a === b) continue;
            const qb = b * n + j;
            countItem(hist, qb * (m + 1), thresholds, qb * m, m, s);
            if (j !== i) {
              if (s >= diag[a * L + b]![i]!) beaten[a * L + b]![i]!++;
              if (s >= diag[b * L + a]![j]!) beaten[b * L + a]![j]!++;
            }
          }
        }
      }
    }
  }

  const translation = Array.from({ length: L * L }, (_, ab) =>
    Math.floor(ab / L) === ab % L ? new Float64Array(n).fill(NaN) : Float64Array.from(beaten[ab]!, (c) => (c === 0 ? 1 : 0)),
  );
  const translationAccuracy = squareMatrix(L, (a, b) => (a === b ? NaN : meanDefined(translation[a * L + b]!)));
  const pooledAp = languages.map((_, a) =>
    Float64Array.from({ length: n }, (_, i) => averagePrecision(ranksFromCounts(thresholds, (a * n + i) * m, m, hist, (a * n + i) * (m + 1)))),
  );

  // Mean cosine over all n^2 pairs is the dot product of the summed unit vectors.
  const sums = x.map((e) => {
    const s = new Float64Array(d);
    for (let o = 0; o < e.length; o += d) for (let k = 0; k < d; k++) s[k]! += e[o + k]!;
    return s;
  });
  const translationCosine = squareMatrix(L, (a, b) => (a === b ? NaN : meanDefined(diag[a * L + b]!)));
  const randomCosine = squareMatrix(L, (a, b) => {
    if (a === b) return NaN;
    let all = 0;
    for (let k = 0; k < d; k++) all += sums[a]![k]! * sums[b]![k]!;
    return (all - translationCosine[a]![b]! * n) / (n * n - n);
  });
  const similarityIndex = squareMatrix(L, (a, b) => translationCosine[a]![b]! / randomCosine[a]![b]!);
  const cka = linearCkaMatrix(embeddings, d);
  const byLanguage = pooledAp.map(meanDefined);
  return {
    languages: [...languages],
    sentences: n,
    translationAccuracy,
    meanTranslationAccuracy: offDiagonalMean(translationAccuracy),
    translationCosine,
    randomCosine,
    similarityIndex,
    meanSimilarityIndex: offDiagonalMean(similarityIndex),
    cka,
    meanCka: offDiagonalMean(cka),
    pooledMap: meanDefined(byLanguage),
    pooledMapByLanguage: byLanguage,
    perSentence: { translation, pooledAp },
  };
}

/** Column-centred copy of an n x d matrix. */
function centre(e: Float32Array, d: number): Float32Array {
  const n = e.length / d;
  const mean = new Float64Array(d);
  for (let o = 0; o < e.length; o += d) for (let k = 0; k < d; k++) mean[k]! += e[o + k]!;
  const out = new Float32Array(e.length);
  for (let o = 0; o < e.length; o += d) for (let k = 0; k < d; k++) out[o + k] = e[o + k]! - mean[k]! / n;
  return out;
}

function transpose(e: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(e.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = e[r * cols + c]!;
  return out;
}

function frobeniusDot(p: Float32Array, q: Float32Array): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += p[i]! * q[i]!;
  return s;
}

export type CkaForm = 'gram' | 'feature';

/**
 * Linear CKA ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F) of centred X, Y (Kornblith et al. 2019),
 * for every language pair. 'gram' uses the n x n Gram matrices (tr(K_X K_Y) = ||Y^T X||_F^2), cheaper
 * when n < d; 'feature' the d x d cross-covariances. Default: the cheaper one.
 */
export function linearCkaMatrix(embeddings: readonly Float32Array[], d: number, form?: CkaForm): number[][] {
  const L = embeddings.length;
  const n = embeddings[0]!.length / d;
  const chosen = form ?? (n < d ? 'gram' : 'feature');
  const centred = embeddings.map((e) => centre(e, d));
  switch (chosen) {
    case 'gram': {
      const grams = centred.map((c) => {
        const k = new Float32Array(n * n);
        dotBlock(c, 0, n, c, 0, n, d, k);
        return k;
      });
      const norms = grams.map((k) => Math.sqrt(frobeniusDot(k, k)));
      return squareMatrix(L, (a, b) => frobeniusDot(grams[a]!, grams[b]!) / (norms[a]! * norms[b]!));
    }
    case 'feature': {
      const t = centred.map((c) => transpose(c, n, d)); // d x n
      const cross = (a: number, b: number) => {
        const out = new Float32Array(d * d);
        dotBlock(t[a]!, 0, d, t[b]!, 0, d, n, out); // X_a^T X_b
        return out;
      };
      const self = t.map((_, a) => cross(a, a));
      const norms = self.map((c) => Math.sqrt(frobeniusDot(c, c)));
      const upper = squareMatrix(L, (a, b) => {
        if (a > b) return NaN;
        const c = a === b ? self[a]! : cross(a, b);
        return frobeniusDot(c, c) / (norms[a]! * norms[b]!);
      });
      return squareMatrix(L, (a, b) => upper[Math.min(a, b)]![Math.max(a, b)]!);
    }
    default:
      return chosen satisfies never;
  }
}

/**
 * Bootstrap intervals over sentences for the two per-sentence headlines (macro-averaged over
 * ordered pairs, and over languages). CKA and the similarity index are properties of whole
 * matrices and get no interval here.
 */
export function alignmentIntervals(ev: AlignmentEvaluation, options: BootstrapOptions = {}): { translationAccuracy: Interval; pooledMap: Interval } {
  return bootstrapIntervals(
    {
      translationAccuracy: { units: ev.sentences, groups: ev.perSentence.translation },
      pooledMap: { units: ev.sentences, groups: ev.perSentence.pooledAp },
    },
    options,
  );
}
