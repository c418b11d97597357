// Evaluation results in the shapes the database stores (schema/evaluation.ts, prisma/schema.prisma):
// headline intervals, one row per (setting, query language, candidate language) cell, the XNLI
// alignment summary, and the estimates a progress event carries.

import { type AlignmentSummary, POOLED, type EvaluationPairRow, type Headlines, type IntervalValue } from '../../schema/evaluation.js';
import type { ValidationSnapshot } from '../../schema/events.js';
import type { AlignmentEvaluation } from './alignment.js';
import { HEADLINES, headlineValue, type Headline } from './headlines.js';
import type { RetrievalMetric } from './metrics.js';
import type { RetrievalEvaluation } from './retrieval.js';
import type { Interval } from './stats.js';


/** What a progress event shows of a periodic validation: every headline's estimate, as the stored report replays it. */
export const SNAPSHOT_HEADLINES: readonly Headline[] = HEADLINES;

export type PairRow = EvaluationPairRow;

type CellMetrics = Pick<PairRow, 'map' | 'recallAt1' | 'recallAt10' | 'ndcgAt10' | 'mrrAt10'>;

const cell = (value: (m: RetrievalMetric) => number): CellMetrics => ({
  map: value('map'),
  recallAt1: value('recall1'),
  recallAt10: value('recall10'),
  ndcgAt10: value('ndcg10'),
  mrrAt10: value('mrr10'),
});

/**
 * MONO on the diagonal, CROSS off it, MULTI per query language. A pair without queries (no
 * question of the query language exists in the candidate language) has no value and no row.
 */
export function pairRows(ev: RetrievalEvaluation): PairRow[] {
  const rows: PairRow[] = [];
  ev.languages.forEach((q, qi) =>
    ev.languages.forEach((c, ci) => {
      const count = ev.pairs.queries[qi]![ci]!;
      if (count === 0) return;
      const setting = qi === ci ? 'MONO' : 'CROSS';
      rows.push({ setting, queryLanguage: q, candidateLanguage: c, ...cell((m) => ev.pairs.metrics[m][qi]![ci]!), rankDistance: null, count });
    }),
  );
  ev.languages.forEach((q, qi) => {
    const count = ev.multiByLanguage.queries[qi]!;
    if (count === 0) return;
    const { metrics } = ev.multiByLanguage;
    rows.push({ setting: 'MULTI', queryLanguage: q, candidateLanguage: POOLED, ...cell((m) => metrics[m][qi]!), rankDistance: metrics.rankDistance[qi]!, count });
  });
  return rows;
}

/** Non-finite values (a headline without queries) are left out: JSON cannot hold them. */
export function headlinesJson(intervals: Readonly<Record<Headline, Interval>>): Headlines {
  const out: Headlines = {};
  for (const [name, { estimate, lo, hi }] of Object.entries(intervals) as [Headline, Interval][]) {
    if ([estimate, lo, hi].every(Number.isFinite)) out[name] = { estimate, lo, hi };
  }
  return out;
}

/**
 * The matrices with their diagonals filled: a sentence's own language holds the sentence itself,
 * so translation matching is trivially exact there (1), as CKA of a language with itself is.
 */
export function alignmentSummary(ev: AlignmentEvaluation, pooledMap: IntervalValue): AlignmentSummary {
  const withDiagonal = (x: number[][]) => x.map((row, a) => row.map((v, b) => (a === b ? 1 : v)));
  return {
    languages: [...ev.languages],
    meanTranslationAccuracy: ev.meanTranslationAccuracy,
    meanSimilarityIndex: ev.meanSimilarityIndex,
    meanCka: ev.meanCka,
    pooledMap: { estimate: pooledMap.estimate, lo: pooledMap.lo, hi: pooledMap.hi },
    translationAccuracy: withDiagonal(ev.translationAccuracy),
    cka: withDiagonal(ev.cka),
  };
}

export function validationSnapshot(suite: string, ev: RetrievalEvaluation): ValidationSnapshot {
  return { suite, headlines: Object.fromEntries(SNAPSHOT_HEADLINES.map((h) => [h, headlineValue(ev, h)])) };
}

/** The same snapshot from a stored report's headlines (a validation written by an earlier delivery). */
export function snapshotFromHeadlines(suite: string, headlines: Headlines): ValidationSnapshot {
  const values = SNAPSHOT_HEADLINES.flatMap((h) => (headlines[h] ? [[h, headlines[h].estimate] as const] : []));
  return { suite, headlines: Object.fromEntries(values) };
}
