// Periodic evaluation during training, for watching a run: at every validation step the model is
// evaluated on a SUBSAMPLE of the first retrieval suite the run names (the first
// VALIDATION_QUERIES_PER_LANGUAGE queries of every language, against the full candidate pools)
// and a report with the step is written (runId set, jobId null). It is monitoring only: nothing
// it measures feeds back into training or into the choice of weights (early stopping uses the
// validation loss on held-out training groups), so the suite stays a zero-shot test set.

import { DENSE_RETRIEVAL } from '../../schema/serving.js';
import type { ValidationSnapshot } from '../../schema/events.js';
import type { TrainingSpec } from '../../schema/training.js';
import type { RetrievalBenchmark } from '../evaluation/benchmark.js';
import { headlinesJson, pairRows, snapshotFromHeadlines, validationSnapshot } from '../evaluation/report-rows.js';
import { firstQueriesPerLanguage } from '../evaluation/subsample.js';
import { retrievalBenchmarkOf, type SuiteData } from '../evaluation/suite-data.js';
import { runRetrievalSuite } from '../evaluation/suites.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../encoding/encoder.js';
import type { TrainableModel } from '../training/trainer-model.js';
import type { ReportStore } from './evaluation-reports.js';

/** Queries per language of the subsample: a few seconds for the default model on MLQA-R or XQuAD-R. */
export const VALIDATION_QUERIES_PER_LANGUAGE = 200;
/** Intervals of a validation are for orientation only; a small bootstrap keeps it cheap. */
export const VALIDATION_BOOTSTRAP = 200;

export interface TrainingEvaluationDeps {
  reports: ReportStore;
  suiteData: SuiteData;
  log: (line: string) => void;
}

export type OnEvaluate = (step: number, model: TrainableModel) => Promise<ValidationSnapshot | undefined>;

/** The trainer's onEvaluate hook, or undefined when the run names no retrieval suite. */
export function createTrainingEvaluation(deps: TrainingEvaluationDeps, runId: string, spec: TrainingSpec, signal: AbortSignal): OnEvaluate | undefined {
  const suite = spec.evaluationSuites.find((s) => retrievalBenchmarkOf(s) !== null);
  if (!suite) return undefined;
  const name = retrievalBenchmarkOf(suite)!;
  let subsample: RetrievalBenchmark | undefined;

  return async (step, model) => {
    // A resumed run passes the same steps again: the first report of a step stands.
    const stored = await deps.reports.findValidation(runId, step, suite);
    if (stored) return snapshotFromHeadlines(suite, stored);
    subsample ??= firstQueriesPerLanguage(await deps.suiteData.retrieval(name), VALIDATION_QUERIES_PER_LANGUAGE);
    const t0 = performance.now();
    const encoder = { embed: (texts: readonly string[]) => model.embed(texts), queryPrefix: QUERY_PREFIX, passagePrefix: PASSAGE_PREFIX };
    const result = await runRetrievalSuite(subsample, { encoder, retrieval: DENSE_RETRIEVAL }, { bootstrap: VALIDATION_BOOTSTRAP, seed: spec.seed, signal });
    await deps.reports.writeValidation(runId, step, {
      suite,
      headlines: headlinesJson(result.intervals),
      queries: subsample.queries.length,
      rows: pairRows(result.evaluation),
    });
    const snapshot = validationSnapshot(suite, result.evaluation);
    const shown = Object.entries(snapshot.headlines).map(([h, v]) => `${h} ${v.toFixed(4)}`).join(', ');
    deps.log(`run ${runId}: step ${step}: ${suite} (${subsample.queries.length} queries) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${shown}`);
    return snapshot;
  };
}
