// From the experiment's rows to the report's input: runs grouped by protocol and arm, seed-averaged
// headlines with intervals, paired tests between strategies on the seed-averaged per-question
// values (same questions, same bootstrap draws), baselines, XNLI alignment, failures. Pure.

import type { AlignmentSummary, EvaluationPairRow, Headlines, IntervalValue } from '../../schema/evaluation.js';
import type { ArmSpec, ExperimentPlan } from '../../schema/experiment.js';
import { bootstrapInterval, macroMean, pairedBootstrap, type MacroTable } from '../evaluation/stats.js';
import { averageTables, STORED_HEADLINES } from '../evaluation/unit-tables.js';
import type { Arm, ExperimentReportInput, PairedComparison, Protocol, RetrievalSuiteName } from './report-input.js';

export interface RunRecord {
  id: string;
  strategy: string;
  alpha: number;
  seed: number;
  trainDatasets: string[];
  status: string;
  error: string | null;
  backend: string | null;
  trainSeconds: number | null;
}

export interface ReportRecord {
  suite: string;
  /** The run evaluated; null for baselines. */
  runId: string | null;
  baseline: string | null;
  headlines: Headlines;
  alignment: AlignmentSummary | null;
  rows: EvaluationPairRow[];
  tables: Map<string, MacroTable> | null;
}

export interface ExperimentRecord {
  id: string;
  name: string;
  createdAt: Date;
  plan: ExperimentPlan;
}

/** Strategy pairs the study's claims are about, as a − b. */
const PAIRS: Array<[string, string]> = [
  ['HYBRID(0.5)', 'MONO'],
  ['HYBRID(0.5)', 'CROSS'],
  ['CROSS', 'MONO'],
];
const PAIRED_HEADLINES = ['mono.map', 'cross.map', 'multi.map', 'multi.rankDistance'];

const armOf = (arms: readonly ArmSpec[], run: RunRecord) => arms.find((a) => a.strategy === run.strategy && a.alpha === run.alpha);

function seedAveraged(reports: readonly ReportRecord[]): Map<string, MacroTable> {
  const out = new Map<string, MacroTable>();
  const withTables = reports.filter((r) => r.tables);
  if (withTables.length === 0) return out;
  for (const h of STORED_HEADLINES) {
    const tables = withTables.map((r) => r.tables!.get(h)).filter((t): t is MacroTable => t !== undefined);
    if (tables.length === withTables.length) out.set(h, averageTables(tables));
  }
  return out;
}

function pooledHeadlines(tables: ReadonlyMap<string, MacroTable>, bootstrap: number): Headlines {
  const out: Headlines = {};
  for (const [h, table] of tables) {
    const { lo, hi } = bootstrapInterval(table, { B: bootstrap, seed: 0 });
    out[h] = { estimate: macroMean(table), lo, hi } satisfies IntervalValue;
  }
  return out;
}

export function buildReportInput(
  experiment: ExperimentRecord,
  runs: readonly RunRecord[],
  reports: readonly ReportRecord[],
  finishedAt: Date,
): ExperimentReportInput {
  const { plan } = experiment;
  const B = plan.evaluation.bootstrap;
  const byRun = new Map<string, ReportRecord[]>();
  for (const r of reports) if (r.runId) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
  const runsOf = (trainDatasets: readonly string[], arm: ArmSpec) =>
    runs.filter((run) => armOf([arm], run) && run.trainDatasets.join() === trainDatasets.join()).sort((a, b) => a.seed - b.seed);

  const protocols: Protocol[] = plan.protocols.map((protocol) => {
    const averaged = new Map<string, Map<string, MacroTable>>();
    const arms: Arm[] = plan.arms.map((arm) => {
      const evaluated = runsOf(protocol.trainDatasets, arm).flatMap((run) => {
        const report = byRun.get(run.id)?.find((r) => r.suite === protocol.suite);
        return report ? [{ run, report }] : [];
      });
      const tables = seedAveraged(evaluated.map((e) => e.report));
      averaged.set(arm.label, tables);
      return {
        label: arm.label,
        strategy: arm.strategy,
        alpha: arm.alpha,
        runs: evaluated.map(({ run, report }) => ({ runId: run.id, seed: run.seed, headlines: report.headlines, rows: report.rows, trainSeconds: run.trainSeconds })),
        pooled: pooledHeadlines(tables, B),
      };
    });
    const paired: PairedComparison[] = [];
    for (const [a, b] of PAIRS) {
      const ta = averaged.get(a);
      const tb = averaged.get(b);
      if (!ta || !tb) continue;
      for (const headline of PAIRED_HEADLINES) {
        const x = ta.get(headline);
        const y = tb.get(headline);
        if (x && y) paired.push({ a, b, headline, test: pairedBootstrap(x, y, { B, seed: 0 }) });
      }
    }
    const baselines = reports
      .filter((r) => r.baseline && r.suite === protocol.suite)
      .map((r) => ({ baseline: r.baseline as 'BM25' | 'RANDOM', headlines: r.headlines, rows: r.rows }))
      .sort((x, y) => x.baseline.localeCompare(y.baseline));
    const evalLanguages = [...new Set(reports.filter((r) => r.suite === protocol.suite).flatMap((r) => r.rows.map((row) => row.queryLanguage)))].sort();
    return {
      suite: protocol.suite,
      trainDatasets: protocol.trainDatasets,
      trainLanguages: protocol.languages,
      evalLanguages,
      queriesPerLanguage: plan.evaluation.queriesPerLanguage,
      arms,
      baselines,
      paired,
    };
  });

  const first = plan.protocols[0];
  const alignment = first
    ? plan.arms.map((arm) => ({
        label: arm.label,
        runs: runsOf(first.trainDatasets, arm).flatMap((run) => {
          const summary = byRun.get(run.id)?.find((r) => r.suite === 'XNLI_ALIGNMENT')?.alignment;
          return summary ? [{ seed: run.seed, summary }] : [];
        }),
      }))
    : [];
  const suiteOf = (run: RunRecord) => (plan.protocols.find((p) => p.trainDatasets.join() === run.trainDatasets.join())?.suite ?? 'XQUAD_R') as RetrievalSuiteName;
  const failures = runs
    .filter((run) => run.status !== 'SUCCEEDED')
    .map((run) => ({ suite: suiteOf(run), label: armOf(plan.arms, run)?.label ?? run.strategy, seed: run.seed, error: run.error ?? run.status }));

  return {
    experiment: {
      id: experiment.id,
      name: experiment.name,
      preset: plan.preset,
      createdAt: experiment.createdAt,
      finishedAt,
      seeds: plan.seeds,
      steps: plan.steps,
      batchSize: plan.batchSize,
      model: plan.model,
      backend: runs.find((r) => r.backend)?.backend ?? 'unknown',
      bootstrap: B,
    },
    protocols,
    alignment,
    failures,
  };
}
