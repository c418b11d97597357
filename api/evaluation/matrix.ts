// Language-pair matrices of a retrieval report, built from its Evaluation rows: MONO_CROSS puts
// the monolingual cells on the diagonal and the cross-lingual ones off it; MULTI has one column,
// the pooled candidates of every language ("all").

import { POOLED, type EvaluationPairRow } from '../../schema/evaluation.js';

export const MATRIX_METRICS = ['MAP', 'RECALL1', 'RECALL10', 'NDCG10', 'MRR10', 'RANK_DISTANCE'] as const;
export type MatrixMetric = (typeof MATRIX_METRICS)[number];

export const MATRIX_SETTINGS = ['MONO_CROSS', 'MULTI'] as const;
export type MatrixSetting = (typeof MATRIX_SETTINGS)[number];


/** The columns of a stored row that a matrix reads. */
export type PairRow = Omit<EvaluationPairRow, 'count'>;

export interface LanguageMatrix {
  queryLanguages: string[];
  candidateLanguages: string[];
  /** [query][candidate]; null where no row exists (or the value is not a number). */
  values: Array<Array<number | null>>;
}

function metricValue(row: PairRow, metric: MatrixMetric): number | null {
  switch (metric) {
    case 'MAP': return row.map;
    case 'RECALL1': return row.recallAt1;
    case 'RECALL10': return row.recallAt10;
    case 'NDCG10': return row.ndcgAt10;
    case 'MRR10': return row.mrrAt10;
    case 'RANK_DISTANCE': return row.rankDistance;
    default: return metric satisfies never;
  }
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

export function buildMatrix(rows: readonly PairRow[], metric: MatrixMetric, setting: MatrixSetting): LanguageMatrix {
  const kept = rows.filter((r) => (setting === 'MULTI' ? r.setting === 'MULTI' : r.setting !== 'MULTI'));
  const queryLanguages = sorted(kept.map((r) => r.queryLanguage));
  // A square matrix over every language seen on either side, so the diagonal is the mono cells.
  const candidateLanguages = setting === 'MULTI' ? [POOLED] : sorted([...queryLanguages, ...kept.map((r) => r.candidateLanguage)]);
  const rowLanguages = setting === 'MULTI' ? queryLanguages : candidateLanguages;
  const cells = new Map(kept.map((r) => [`${r.queryLanguage}\u0000${r.candidateLanguage}`, r]));
  const values = rowLanguages.map((q) =>
    candidateLanguages.map((c) => {
      const row = cells.get(`${q}\u0000${c}`);
      const value = row ? metricValue(row, metric) : null;
      return value !== null && Number.isFinite(value) ? value : null;
    }),
  );
  return { queryLanguages: rowLanguages, candidateLanguages, values };
}
