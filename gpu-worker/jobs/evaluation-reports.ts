// EvaluationReport and Evaluation rows. A report and its pair rows are written in one transaction,
// so a report that exists is complete and a redelivered job can skip its suite. The writes are
// idempotent besides: a job's report is upserted on (jobId, suite) and its rows inserted with
// skipDuplicates; a periodic validation keeps the first report of its (run, step, suite).

import type { RetrievalSettings } from '../../schema/serving.js';
import type { Prisma, PrismaClient } from '../../prisma/generated/client.js';
import type { AlignmentSummary, Baseline, Headlines } from '../../schema/evaluation.js';
import { SUITE_DATASET, type EvaluationSuite } from '../../schema/training.js';
import type { PairRow } from '../evaluation/report-rows.js';
import { holdsSample, type ChecksumMemo } from '../../schema/data-files.js';
import { findDataset } from '../../schema/datasets.js';
import { IMPORTED_REPORT_SUITES, type ImportedReportSuite } from '../../schema/imported-suites.js';

/** What was evaluated: exactly one of a checkpoint (with its run when the target was a run) or a baseline. */
export interface ReportTarget {
  runId: string | null;
  checkpointId: string | null;
  baseline: Baseline | null;
}

export interface ReportContent {
  suite: EvaluationSuite | ImportedReportSuite;
  /** Imported suites: the import's name (built-in suites: SUITE_DATASET[suite]). */
  dataset?: string;
  headlines: Headlines;
  alignment?: AlignmentSummary;
  queries: number;
  rows: readonly PairRow[];
  /** Retrieval suites: encoded per-question values (unit-tables.ts). */
  unitTables?: Uint8Array<ArrayBuffer>;
  /** Retrieval suites of EVALUATE jobs: how they were searched. */
  retrieval?: RetrievalSettings;
}

type Tx = Prisma.TransactionClient;

const isImported = (suite: ReportContent['suite']): suite is ImportedReportSuite => (IMPORTED_REPORT_SUITES as readonly string[]).includes(suite);

function datasetOf({ suite, dataset }: Pick<ReportContent, 'suite' | 'dataset'>): string {
  if (!isImported(suite)) return SUITE_DATASET[suite];
  if (dataset === undefined) throw new Error(`a report of ${suite} needs its dataset's name`);
  return dataset;
}

const json = (value: unknown) => value as Prisma.InputJsonValue;

function reportData(content: ReportContent, sampleSized: boolean) {
  return {
    suite: content.suite,
    dataset: datasetOf(content),
    sampleSized,
    headlines: json(content.headlines),
    ...(content.alignment ? { alignment: json(content.alignment) } : {}),
    queries: content.queries,
    ...(content.unitTables ? { unitTables: content.unitTables } : {}),
    ...(content.retrieval ? { retrieval: json(content.retrieval) } : {}),
  };
}

async function writeRows(tx: Tx, reportId: string, rows: readonly PairRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.evaluation.createMany({ data: rows.map((row) => ({ reportId, ...row })), skipDuplicates: true });
}

/** `dataDir`: where the suites were read, to mark reports computed on the demo bundle's sample. */
export function createReportStore(prisma: PrismaClient, dataDir?: string) {
  const checksums: ChecksumMemo = new Map();
  const sampleSized = async (suite: ReportContent['suite']) => {
    if (isImported(suite)) return false;
    const folder = findDataset(SUITE_DATASET[suite])?.folder;
    return dataDir !== undefined && folder !== undefined && (await holdsSample(dataDir, folder, checksums));
  };
  return {
    /** True once an earlier delivery of the job has written this suite (and dataset, for an imported one). */
    async written(jobId: string, suite: ReportContent['suite'], dataset?: string): Promise<boolean> {
      return (await prisma.evaluationReport.count({ where: { jobId, suite, dataset: datasetOf({ suite, dataset }) } })) > 0;
    },

    async writeJobReport(jobId: string, target: ReportTarget, content: ReportContent): Promise<string> {
      const data = { ...reportData(content, await sampleSized(content.suite)), ...target, step: null };
      return prisma.$transaction(async (tx) => {
        const report = await tx.evaluationReport.upsert({
          where: { jobId_suite_dataset: { jobId, suite: content.suite, dataset: data.dataset } },
          create: { jobId, ...data },
          update: data,
          select: { id: true },
        });
        await writeRows(tx, report.id, content.rows);
        return report.id;
      });
    },

    /** Headlines of the validation already stored for this step, if any. */
    async findValidation(runId: string, step: number, suite: EvaluationSuite): Promise<Headlines | null> {
      const row = await prisma.evaluationReport.findFirst({ where: { runId, step, suite, jobId: null }, select: { headlines: true } });
      return row ? (row.headlines as unknown as Headlines) : null;
    },

    async writeValidation(runId: string, step: number, content: ReportContent & { suite: EvaluationSuite }): Promise<void> {
      const sample = await sampleSized(content.suite);
      await prisma.$transaction(async (tx) => {
        const existing = await tx.evaluationReport.findFirst({ where: { runId, step, suite: content.suite, jobId: null }, select: { id: true } });
        if (existing) return;
        const report = await tx.evaluationReport.create({ data: { ...reportData(content, sample), runId, step }, select: { id: true } });
        await writeRows(tx, report.id, content.rows);
      });
    },
  };
}

export type ReportStore = ReturnType<typeof createReportStore>;
