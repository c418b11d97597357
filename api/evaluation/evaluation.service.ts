// The writes behind evaluate and the reads behind evaluations. Like startTrainingRun: every check
// before the Job row is written, then the publish through the outbox-aware path (a failed publish
// leaves the job to the outbox).

import type { RetrievalSettings } from '../../schema/serving.js';
import { shownRetrieval } from '../retrieval/retrieval.type.js';
import { MAX_LIST_ITEMS } from '../pagination.js';
import { randomUUID } from 'node:crypto';
import { Prisma, type EvaluationReport as ReportRow, type Job as JobRow } from '../../prisma/generated/client.js';
import type { EvaluationRequest } from '../../schema/evaluation.js';
import type { GatewayServices } from '../context.js';
import { listDatasets } from '../dataset/registry.js';
import { badUserInput } from '../errors.js';
import { publishJob } from '../job/outbox.js';
import { refuseLeakage, resolveEvaluateInput, type EvaluateInputData } from './evaluate-input.js';
import type { EvaluationFilter } from './evaluation.input.js';
import { readAlignment, readHeadlines } from './report-data.js';
import type { EvaluationReport, ReportSuite } from './report.type.js';

/** Job keys share one namespace with other job kinds; the prefix keeps a user's key to evaluations. */
export const evaluateJobKey = (idempotencyKey: string) => `evaluate:${idempotencyKey}`;

const isUniqueViolation = (error: unknown) =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

export async function evaluate(services: GatewayServices, input: EvaluateInputData): Promise<JobRow> {
  const { prisma } = services;
  const { request, idempotencyKey } = resolveEvaluateInput(input, await listDatasets(services));
  await checkTarget(services, request);
  const key = evaluateJobKey(idempotencyKey ?? randomUUID());
  const existing = idempotencyKey === null ? null : await prisma.job.findUnique({ where: { idempotencyKey: key } });
  if (existing) return existing;

  const runId = request.target.kind === 'run' ? request.target.runId : null;
  let job: JobRow;
  try {
    job = await prisma.job.create({
      data: { kind: 'EVALUATE', runId, payload: request as unknown as Prisma.InputJsonValue, idempotencyKey: key },
    });
  } catch (error) {
    // A concurrent request with the same key won the race: answer with its job.
    const winner = isUniqueViolation(error) ? await prisma.job.findUnique({ where: { idempotencyKey: key } }) : null;
    if (winner) return winner;
    throw error;
  }
  await publishJob(services, runId === null ? { jobId: job.id, kind: 'EVALUATE' } : { jobId: job.id, kind: 'EVALUATE', runId });
  return job;
}

/** The target exists, has something to evaluate, and was not trained on a suite's dataset. */
async function checkTarget({ prisma }: GatewayServices, { target, suites, datasets = [] }: EvaluationRequest): Promise<void> {
  switch (target.kind) {
    case 'run': {
      const run = await prisma.run.findUnique({
        where: { id: target.runId },
        select: { status: true, trainDatasets: true, _count: { select: { checkpoints: true } } },
      });
      if (!run) throw badUserInput('input.runId', target.runId, 'is not the id of a run');
      if (run._count.checkpoints === 0 && run.status !== 'SUCCEEDED') {
        throw badUserInput('input.runId', target.runId, `is a ${run.status} run without a checkpoint yet; evaluate it once it has one`);
      }
      return refuseLeakage(`run ${target.runId}`, run.trainDatasets, suites, datasets);
    }
    case 'checkpoint': {
      const checkpoint = await prisma.checkpoint.findUnique({
        where: { id: target.checkpointId },
        select: { runId: true, prunedAt: true, run: { select: { trainDatasets: true } } },
      });
      if (!checkpoint) throw badUserInput('input.checkpointId', target.checkpointId, 'is not the id of a checkpoint');
      if (checkpoint.prunedAt) throw badUserInput('input.checkpointId', target.checkpointId, 'was pruned (keepCheckpoints): its files are gone; evaluate a newer checkpoint of the run');
      return refuseLeakage(`checkpoint ${target.checkpointId} (run ${checkpoint.runId})`, checkpoint.run.trainDatasets, suites, datasets);
    }
    case 'baseline':
      return;
    default:
      return target satisfies never;
  }
}

type Filter = Partial<EvaluationFilter>;

export function reportWhere(filter: Filter): Prisma.EvaluationReportWhereInput {
  const { runId, checkpointId, baseline, suite, dataset, jobId, duringTraining } = filter;
  return {
    // A run's reports include those of its checkpoints, whoever asked for them.
    ...(runId ? { OR: [{ runId }, { checkpoint: { runId } }] } : {}),
    ...(checkpointId ? { checkpointId } : {}),
    ...(baseline ? { baseline } : {}),
    ...(suite ? { suite } : {}),
    ...(dataset ? { dataset } : {}),
    ...(jobId ? { jobId } : {}),
    ...(duringTraining == null ? {} : { step: duringTraining ? { not: null } : null }),
  };
}

export function toReport(row: ReportRow): EvaluationReport {
  return {
    id: row.id,
    jobId: row.jobId,
    runId: row.runId,
    checkpointId: row.checkpointId,
    baseline: row.baseline as EvaluationReport['baseline'],
    suite: row.suite as ReportSuite,
    dataset: row.dataset,
    step: row.step,
    queries: row.queries,
    sampleSized: row.sampleSized,
    headlines: readHeadlines(row.headlines),
    alignment: readAlignment(row.alignment),
    retrieval: row.retrieval ? shownRetrieval(row.retrieval as unknown as RetrievalSettings) : null,
    createdAt: row.createdAt,
  };
}

export async function findReports(services: GatewayServices, filter: Filter, order: 'asc' | 'desc', take?: number): Promise<EvaluationReport[]> {
  const rows = await services.prisma.evaluationReport.findMany({
    where: reportWhere(filter),
    orderBy: [{ createdAt: order }, { id: order }],
    take: take ?? MAX_LIST_ITEMS,
  });
  return rows.map(toReport);
}
