// REPORT jobs: read everything an experiment produced, render the report (report.ts) and write it
// under <reportsDir>/<experiment id>/ (report.md, figures/*.svg, data.json for dashboards), then
// mark the experiment SUCCEEDED. The folder is written under a temporary name and renamed, so a
// reader never sees half a report; a redelivered job writes it again identically.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../../prisma/generated/client.js';
import type { AlignmentSummary, EvaluationPairRow, EvaluationTarget, Headlines } from '../../schema/evaluation.js';
import { isExperimentPlan } from '../../schema/experiment.js';
import { nonRetryable } from '../../schema/jobs.js';
import type { RetrievalMode } from '../../schema/serving.js';
import { decodeUnitTables } from '../evaluation/unit-tables.js';
import type { JobHandler } from '../jobs/types.js';
import { buildReportInput, type FailedEvaluation, type ReportRecord, type RunRecord } from './report-data.js';
import { renderReport } from './report.js';

export interface ReportJobDeps {
  prisma: PrismaClient;
  reportsDir: string;
  log: (line: string) => void;
}

export function createReportJob(deps: ReportJobDeps): JobHandler {
  const { prisma } = deps;

  async function gather(experimentId: string) {
    const experiment = await prisma.experiment.findUnique({ where: { id: experimentId } });
    if (!experiment) throw nonRetryable(`experiment ${experimentId} does not exist`);
    if (!isExperimentPlan(experiment.plan)) throw nonRetryable(`experiment ${experimentId} has no plan (it was not started with startExperiment)`);
    const runRows = await prisma.run.findMany({ where: { experimentId } });
    const runs: RunRecord[] = runRows.map((run) => ({
      id: run.id,
      strategy: run.strategy,
      alpha: run.alpha,
      seed: run.seed,
      trainDatasets: run.trainDatasets,
      status: run.status,
      error: run.error,
      backend: run.backend,
      trainSeconds: run.startedAt && run.finishedAt ? (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 : null,
    }));
    const reportRows = await prisma.evaluationReport.findMany({
      where: { job: { experimentId, kind: 'EVALUATE' }, step: null },
      include: { evaluations: true, job: { select: { payload: true } } },
    });
    const reports: ReportRecord[] = reportRows.map((r) => {
      const target = (r.job?.payload as { target?: EvaluationTarget } | null)?.target;
      return {
        suite: r.suite,
        runId: target?.kind === 'run' ? target.runId : null,
        baseline: r.baseline,
        // Reports stored before retrieval modes (retrieval null) were DENSE.
        mode: (r.retrieval as { mode?: RetrievalMode } | null)?.mode ?? 'DENSE',
        headlines: r.headlines as unknown as Headlines,
        alignment: (r.alignment as unknown as AlignmentSummary | null) ?? null,
        rows: r.evaluations.map((e): EvaluationPairRow => ({
          setting: e.setting,
          queryLanguage: e.queryLanguage,
          candidateLanguage: e.candidateLanguage,
          map: e.map,
          recallAt1: e.recallAt1,
          recallAt10: e.recallAt10,
          ndcgAt10: e.ndcgAt10,
          mrrAt10: e.mrrAt10,
          rankDistance: e.rankDistance,
          count: e.count,
        })),
        tables: r.unitTables ? decodeUnitTables(r.unitTables) : null,
      };
    });
    const failedJobs = await prisma.job.findMany({
      where: { experimentId, kind: 'EVALUATE', status: { in: ['FAILED', 'CANCELLED'] } },
      select: { runId: true, payload: true, error: true, status: true },
    });
    const failedEvaluations: FailedEvaluation[] = failedJobs.map((j) => {
      const payload = j.payload as { target?: EvaluationTarget; suites?: string[] } | null;
      return {
        runId: j.runId,
        baseline: payload?.target?.kind === 'baseline' ? payload.target.baseline : null,
        suite: payload?.suites?.[0] ?? 'XQUAD_R',
        error: j.error ?? j.status,
      };
    });
    return { experiment: { id: experiment.id, name: experiment.name, createdAt: experiment.createdAt, plan: experiment.plan }, runs, reports, failedEvaluations };
  }

  return async ({ job, signal }) => {
    if (!job.experimentId) throw nonRetryable(`REPORT job ${job.id} names no experiment`);
    const { experiment, runs, reports, failedEvaluations } = await gather(job.experimentId);
    if (signal.aborted) return { kind: 'aborted' };
    const finishedAt = new Date();
    const input = buildReportInput(experiment, runs, reports, finishedAt, failedEvaluations);
    const { markdown, files } = renderReport(input);

    const target = path.resolve(deps.reportsDir, experiment.id);
    const temp = `${target}.tmp-${randomBytes(4).toString('hex')}`;
    await mkdir(path.join(temp, 'figures'), { recursive: true });
    await writeFile(path.join(temp, 'report.md'), markdown);
    for (const [name, content] of files) {
      await mkdir(path.dirname(path.join(temp, name)), { recursive: true });
      await writeFile(path.join(temp, name), content);
    }
    await writeFile(path.join(temp, 'data.json'), `${JSON.stringify(input, null, 1)}\n`);
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
    await prisma.experiment.update({ where: { id: experiment.id }, data: { status: 'SUCCEEDED', reportPath: target, finishedAt } });
    deps.log(`experiment ${experiment.id}: report written to ${path.join(target, 'report.md')}`);
    return { kind: 'succeeded' };
  };
}
