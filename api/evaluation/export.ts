// Evaluation reports as files other tools read: MTEB's result JSON (one file per task and model,
// scores per language pair, laid out as MTEB writes results: <model>/<revision>/<task>.json) to
// set numbers beside published leaderboards, and a CSV of every pair row. Pure: the resolver
// passes the report and its rows.

import { ISO3_TO_ISO1 } from '../../schema/datasets.js';
import type { AlignmentSummary, EvaluationPairRow } from '../../schema/evaluation.js';
import { POOLED } from '../../schema/evaluation.js';

export interface ExportedReport {
  id: string;
  suite: string;
  dataset: string;
  runId: string | null;
  checkpointId: string | null;
  baseline: string | null;
  retrievalMode: string | null;
  /** Validation during training: the step (the report has no checkpoint then). */
  step: number | null;
  sampleSized: boolean;
  queries: number;
  /** Bitext mining (BUCC2018, IMPORTED_BITEXT): `<a>-<b>.accuracy` and `<a>-<b>.xsimError` with intervals. */
  headlines: ReadonlyArray<{ name: string; estimate: number; lo: number; hi: number }>;
  /** XNLI_ALIGNMENT: translation-matching accuracy per ordered pair. */
  alignment: Pick<AlignmentSummary, 'languages' | 'translationAccuracy'> | null;
  createdAt: Date;
}

export interface ExportedFile {
  /** Where the file goes under an export folder. */
  path: string;
  mediaType: string;
  content: string;
}

/** MTEB's task names for the suites it has; others keep the platform's name. */
const MTEB_TASKS: Readonly<Record<string, { name: string; type: string }>> = {
  XQUAD_R: { name: 'XQuADRetrieval', type: 'Retrieval' },
  MLQA_R: { name: 'MLQARetrieval', type: 'Retrieval' },
  XNLI_ALIGNMENT: { name: 'XNLIBitextMining', type: 'BitextMining' },
  // MTEB's BUCC scores F1 of thresholded mining; ours is nearest-neighbour accuracy (main_score) and xsim error.
  BUCC2018: { name: 'BUCC', type: 'BitextMining' },
};

/** ISO 15924 scripts of the data folder's languages (MTEB names languages "<ISO 639-3>-<script>"). */
const SCRIPTS: Readonly<Record<string, string>> = {
  ar: 'Arab', fa: 'Arab', ur: 'Arab', bn: 'Beng', hi: 'Deva', el: 'Grek', he: 'Hebr', ja: 'Jpan', ko: 'Kore',
  ru: 'Cyrl', bg: 'Cyrl', uk: 'Cyrl', te: 'Telu', th: 'Thai', zh: 'Hans',
};
const ISO1_TO_ISO3 = Object.fromEntries(Object.entries(ISO3_TO_ISO1).map(([iso3, iso1]) => [iso1, iso3]));

export function mtebLanguage(iso1: string): string {
  const iso3 = ISO1_TO_ISO3[iso1];
  return iso3 ? `${iso3}-${SCRIPTS[iso1] ?? 'Latn'}` : iso1;
}

/**
 * Who was evaluated, as MTEB names a model folder (no "/") and its revision. A run searched in
 * another mode is another system, so the mode is part of the name.
 */
function modelOf(report: ExportedReport): { name: string; revision: string } {
  if (report.baseline) return { name: `xling__${report.baseline}`, revision: 'no_revision_available' };
  const who = report.runId ? `run-${report.runId}` : `checkpoint-${report.checkpointId ?? 'none'}`;
  const revision = report.checkpointId ?? (report.step !== null ? `step-${report.step}` : 'no_revision_available');
  return { name: `xling__${who}__${report.retrievalMode ?? 'DENSE'}`, revision };
}

/** Imported suites are tasks of their own, named after the dataset (the user's name for their data). */
function taskOf(report: ExportedReport): { name: string; type: string } {
  if (report.suite === 'IMPORTED_RETRIEVAL') return { name: report.dataset, type: 'Retrieval' };
  if (report.suite === 'IMPORTED_BITEXT') return { name: report.dataset, type: 'BitextMining' };
  return MTEB_TASKS[report.suite] ?? { name: report.suite, type: 'Retrieval' };
}

export function toMteb(report: ExportedReport, rows: readonly EvaluationPairRow[], revisionSuffix = ''): ExportedFile {
  const task = taskOf(report);
  const mining = report.suite === 'BUCC2018' || report.suite === 'IMPORTED_BITEXT';
  const scores = report.alignment ? bitextScores(report.alignment) : mining ? miningScores(report.headlines) : retrievalScores(rows);
  const model = modelOf(report);
  const result = {
    dataset_revision: report.dataset,
    task_name: task.name,
    mteb_version: null,
    scores: { test: scores },
    evaluation_time: null,
    kg_co2_emissions: null,
    // Not MTEB's: what a reader needs to compare fairly.
    xling: {
      reportId: report.id, suite: report.suite, taskType: task.type, retrievalMode: report.retrievalMode,
      sampleSized: report.sampleSized, queries: report.queries, createdAt: report.createdAt.toISOString(),
      // The headline numbers with their 95% bootstrap intervals (MTEB's scores carry none).
      headlines: Object.fromEntries(report.headlines.map((h) => [h.name, { estimate: h.estimate, lo: h.lo, hi: h.hi }])),
    },
  };
  return { path: `${model.name}/${model.revision}${revisionSuffix}/${task.name}.json`, mediaType: 'application/json', content: JSON.stringify(result, null, 2) + '\n' };
}

function retrievalScores(rows: readonly EvaluationPairRow[]) {
  return rows.map((row) => ({
    hf_subset: `${row.queryLanguage}-${row.candidateLanguage}`,
    languages: row.candidateLanguage === POOLED ? [mtebLanguage(row.queryLanguage)] : [mtebLanguage(row.queryLanguage), mtebLanguage(row.candidateLanguage)],
    main_score: row.ndcgAt10,
    ndcg_at_10: row.ndcgAt10,
    map: row.map,
    recall_at_1: row.recallAt1,
    recall_at_10: row.recallAt10,
    mrr_at_10: row.mrrAt10,
    ...(row.rankDistance === null ? {} : { rank_distance: row.rankDistance }),
    setting: row.setting,
    queries: row.count,
  }));
}

/** Directions of a bitext-mining report, from its `<a>-<b>.<metric>` headlines. */
function miningScores(headlines: ExportedReport['headlines']) {
  const pairs = [...new Set(headlines.map((h) => h.name.split('.')[0]!))];
  const value = (pair: string, metric: string) => headlines.find((h) => h.name === `${pair}.${metric}`);
  return pairs.map((pair) => {
    const accuracy = value(pair, 'accuracy');
    const xsim = value(pair, 'xsimError');
    return {
      hf_subset: pair,
      languages: pair.split('-').map(mtebLanguage),
      main_score: accuracy?.estimate ?? null,
      accuracy: accuracy?.estimate ?? null,
      accuracy_interval: accuracy ? [accuracy.lo, accuracy.hi] : null,
      xsim_error: xsim?.estimate ?? null,
      xsim_error_interval: xsim ? [xsim.lo, xsim.hi] : null,
    };
  });
}

function bitextScores(alignment: NonNullable<ExportedReport['alignment']>) {
  const { languages, translationAccuracy } = alignment;
  return languages.flatMap((a, i) =>
    languages.flatMap((b, j) => (i === j ? [] : [{ hf_subset: `${a}-${b}`, languages: [mtebLanguage(a), mtebLanguage(b)], main_score: translationAccuracy[i]![j]!, accuracy: translationAccuracy[i]![j]! }])),
  );
}

const CSV_COLUMNS = [
  'report_id', 'suite', 'dataset', 'run_id', 'checkpoint_id', 'baseline', 'retrieval_mode', 'sample_sized',
  'setting', 'query_language', 'candidate_language', 'map', 'recall_at_1', 'recall_at_10', 'ndcg_at_10', 'mrr_at_10', 'rank_distance', 'queries',
] as const;

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
const csvField = (value: string | number | boolean | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * MTEB files of reports, newest first. Reports of one system, revision and task (evaluated again,
 * with other fusion settings, on a subsample) would share a path: the newest keeps it, the others
 * get their report id in the revision folder, so nothing is dropped.
 */
export function toMtebFiles(reports: ReadonlyArray<{ report: ExportedReport; rows: readonly EvaluationPairRow[] }>): ExportedFile[] {
  const taken = new Set<string>();
  return reports.map(({ report, rows }) => {
    let file = toMteb(report, rows);
    if (taken.has(file.path)) file = toMteb(report, rows, `__report-${report.id}`);
    taken.add(file.path);
    return file;
  });
}

export function toCsv(reports: ReadonlyArray<{ report: ExportedReport; rows: readonly EvaluationPairRow[] }>): ExportedFile {
  const lines = [CSV_COLUMNS.join(',')];
  for (const { report, rows } of reports) {
    for (const row of rows) {
      lines.push([
        report.id, report.suite, report.dataset, report.runId, report.checkpointId, report.baseline, report.retrievalMode, report.sampleSized,
        row.setting, row.queryLanguage, row.candidateLanguage, row.map, row.recallAt1, row.recallAt10, row.ndcgAt10, row.mrrAt10, row.rankDistance, row.count,
      ].map(csvField).join(','));
    }
  }
  return { path: 'evaluations.csv', mediaType: 'text/csv', content: lines.join('\r\n') + '\r\n' };
}
