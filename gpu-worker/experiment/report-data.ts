// From the experiment's rows to the report's input: runs grouped by protocol and arm, seed-averaged
// headlines with intervals, paired tests between strategies on the seed-averaged per-question
// values (same questions, same bootstrap draws), baselines, XNLI alignment, failures. Pure.

import type { AlignmentSummary, EvaluationPairRow, Headlines, IntervalValue } from '../../schema/evaluation.js';
import type { Baseline } from '../../schema/evaluation.js';
import type { ArmSpec, ExperimentPlan } from '../../schema/experiment.js';
import type { RetrievalMode } from '../../schema/serving.js';
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
  /** How the suite was searched: arms are compared on DENSE; HYBRID reports sit beside. */
  mode: RetrievalMode;
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

/** An EVALUATE job of the experiment that did not succeed. */
export interface FailedEvaluation {
  runId: string | null;
  baseline: string | null;
  suite: string;
  error: string;
}

export function buildReportInput(
  experiment: ExperimentRecord,
  runs: readonly RunRecord[],
  reports: readonly ReportRecord[],
  finishedAt: Date,
  failedEvaluations: readonly FailedEvaluation[] = [],
): ExperimentReportInput {
  const { plan } = experiment;
  const B = plan.evaluation.bootstrap;
  const byRun = new Map<string, ReportRecord[]>();
  for (const r of reports) if (r.runId) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
  const runsOf = (trainDatasets: readonly string[], arm: ArmSpec) =>
    runs.filter((run) => armOf([arm], run) && run.trainDatasets.join() === trainDatasets.join()).sort((a, b) => a.seed - b.seed);

  const protocols: Protocol[] = plan.protocols.map((protocol) => {
    const bySeed = new Map<string, Map<number, ReportRecord>>();
    const arms: Arm[] = plan.arms.map((arm) => {
      const evaluated = runsOf(protocol.trainDatasets, arm).flatMap((run) => {
        const report = byRun.get(run.id)?.find((r) => r.suite === protocol.suite && r.mode === 'DENSE');
        return report ? [{ run, report }] : [];
      });
      const hybrid = runsOf(protocol.trainDatasets, arm).flatMap((run) => {
        const report = byRun.get(run.id)?.find((r) => r.suite === protocol.suite && r.mode === 'HYBRID');
        return report ? [{ runId: run.id, seed: run.seed, headlines: report.headlines }] : [];
      });
      const tables = seedAveraged(evaluated.map((e) => e.report));
      bySeed.set(arm.label, new Map(evaluated.map((e) => [e.run.seed, e.report])));
      return {
        label: arm.label,
        strategy: arm.strategy,
        alpha: arm.alpha,
        runs: evaluated.map(({ run, report }) => ({ runId: run.id, seed: run.seed, headlines: report.headlines, rows: report.rows, trainSeconds: run.trainSeconds })),
        pooled: pooledHeadlines(tables, B),
        hybrid,
      };
    });
    const paired: PairedComparison[] = [];
    for (const [a, b] of PAIRS) {
      const ra = bySeed.get(a);
      const rb = bySeed.get(b);
      if (!ra || !rb) continue;
      // Both sides averaged over the same seeds: a seed that failed in one arm leaves both.
      const seeds = [...ra.keys()].filter((seed) => rb.has(seed));
      if (seeds.length === 0) continue;
      const ta = seedAveraged(seeds.map((seed) => ra.get(seed)!));
      const tb = seedAveraged(seeds.map((seed) => rb.get(seed)!));
      for (const headline of PAIRED_HEADLINES) {
        const x = ta.get(headline);
        const y = tb.get(headline);
        if (x && y) paired.push({ a, b, headline, test: pairedBootstrap(x, y, { B, seed: 0 }) });
      }
    }
    const baselines = reports
      .filter((r) => r.baseline && r.suite === protocol.suite)
      .map((r) => ({ baseline: r.baseline as Baseline, headlines: r.headlines, rows: r.rows }))
      .sort((x, y) => x.baseline.localeCompare(y.baseline));
    const evalLanguages = [...new Set(reports.filter((r) => r.suite === protocol.suite && r.mode === 'DENSE').flatMap((r) => r.rows.map((row) => row.queryLanguage)))].sort();
    return {
      suite: protocol.suite,
      trainDatasets: protocol.trainDatasets,
      trainLanguages: protocol.languages,
      evalLanguages,
      queriesPerLanguage: plan.evaluation.queriesPerLanguage,
      ...(plan.evaluation.hybrid ? { hybridQueriesPerLanguage: plan.evaluation.hybrid.queriesPerLanguage } : {}),
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
  // The untrained encoder's alignment: the floor the arms are read against.
  const randomAlignment = reports.find((r) => r.baseline === 'RANDOM' && r.suite === 'XNLI_ALIGNMENT')?.alignment;
  if (randomAlignment) alignment.push({ label: 'RANDOM (untrained)', runs: [{ seed: 0, summary: randomAlignment }] });
  const suiteOf = (run: RunRecord) => (plan.protocols.find((p) => p.trainDatasets.join() === run.trainDatasets.join())?.suite ?? 'XQUAD_R') as RetrievalSuiteName;
  const failures = runs
    .filter((run) => run.status !== 'SUCCEEDED')
    .map((run) => ({ suite: suiteOf(run), label: armOf(plan.arms, run)?.label ?? run.strategy, seed: run.seed, error: `training: ${run.error ?? run.status}` }));
  for (const failed of failedEvaluations) {
    const run = runs.find((r) => r.id === failed.runId);
    const suite = (failed.suite === 'MLQA_R' ? 'MLQA_R' : 'XQUAD_R') as RetrievalSuiteName;
    failures.push(
      run
        ? { suite: suiteOf(run), label: armOf(plan.arms, run)?.label ?? run.strategy, seed: run.seed, error: `evaluation: ${failed.error}` }
        : { suite, label: failed.baseline ?? 'baseline', seed: 0, error: `evaluation: ${failed.error}` },
    );
  }

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
      recipe: plan.recipe ?? null,
    },
    protocols,
    alignment,
    failures,
  };
}
