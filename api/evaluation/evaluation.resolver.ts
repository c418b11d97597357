import { Authorized, Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { MatrixMetricEnum, MatrixSettingEnum } from '../enums.js';
import { badUserInput } from '../errors.js';
import { Job } from '../job/job.type.js';
import { pageSize } from '../pagination.js';
import { EvaluateInput, EvaluationFilter } from './evaluation.input.js';
import { evaluate, findReports, toReport } from './evaluation.service.js';
import { Evaluation } from './evaluation.type.js';
import { buildMatrix, type MatrixMetric, type MatrixSetting } from './matrix.js';
import { EvaluationReport, LanguageMatrix } from './report.type.js';
import { toCsv, toMtebFiles } from './export.js';
import { EMBEDDING_SUITES } from '../../schema/training.js';
import { ExportedFile } from './export.type.js';

const PAIR_ORDER = [{ setting: 'asc' as const }, { queryLanguage: 'asc' as const }, { candidateLanguage: 'asc' as const }];

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => EvaluationReport)
export class EvaluationResolver {
  @Authorized('trainer')
  @Mutation(() => Job, { description: 'Queues an EVALUATE job; it writes one EvaluationReport per suite' })
  evaluate(@Arg('input', () => EvaluateInput) input: EvaluateInput, @Ctx() { services }: ApiContext): Promise<Job> {
    return evaluate(services, input);
  }

  @Query(() => [EvaluationReport], { description: 'Newest first' })
  evaluations(
    @Arg('filter', () => EvaluationFilter, { nullable: true }) filter: EvaluationFilter | null | undefined,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; default 20' }) first: number | null | undefined,
    @Ctx() { services }: ApiContext,
  ): Promise<EvaluationReport[]> {
    return findReports(services, filter ?? {}, 'desc', pageSize(first));
  }

  @Query(() => EvaluationReport, { nullable: true, description: 'One report by id; null when there is none' })
  async evaluation(@Arg('id', () => ID) id: string, @Ctx() { services }: ApiContext): Promise<EvaluationReport | null> {
    const row = await services.prisma.evaluationReport.findUnique({ where: { id } });
    return row ? toReport(row) : null;
  }

  @Query(() => [ExportedFile], {
    description: 'The reports the filter selects (newest first, at most `first`) as files: one MTEB result JSON per report under <system>/<revision>/<task>.json (a run in one retrieval mode, or a baseline; where several share a path the newest keeps it and the others get their report id in the revision folder; scores per language pair), then one CSV of every pair row of them all',
  })
  async exportEvaluations(
    @Arg('filter', () => EvaluationFilter, { nullable: true }) filter: EvaluationFilter | null | undefined,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; default 20' }) first: number | null | undefined,
    @Ctx() { services }: ApiContext,
  ): Promise<ExportedFile[]> {
    const reports = await findReports(services, filter ?? {}, 'desc', pageSize(first));
    const rows = await services.prisma.evaluation.findMany({ where: { reportId: { in: reports.map((r) => r.id) } }, orderBy: PAIR_ORDER });
    const exported = reports.map((report) => ({
      report: {
        id: report.id, suite: report.suite, dataset: report.dataset, runId: report.runId, checkpointId: report.checkpointId, baseline: report.baseline,
        retrievalMode: report.retrieval?.mode ?? null, step: report.step, headlines: report.headlines, sampleSized: report.sampleSized, queries: report.queries, alignment: report.alignment, createdAt: report.createdAt,
      },
      rows: rows.filter((row) => row.reportId === report.id),
    }));
    return [...toMtebFiles(exported), toCsv(exported)];
  }

  @FieldResolver(() => LanguageMatrix, { nullable: true, description: 'Built from pairs; null for XNLI_ALIGNMENT (matrices in alignment), BUCC2018 and IMPORTED_BITEXT (per-direction headlines)' })
  async matrix(
    @Root() report: EvaluationReport,
    @Arg('metric', () => MatrixMetricEnum) metric: MatrixMetric,
    @Arg('setting', () => MatrixSettingEnum) setting: MatrixSetting,
    @Ctx() { services }: ApiContext,
  ): Promise<LanguageMatrix | null> {
    if (metric === 'RANK_DISTANCE' && setting !== 'MULTI') throw badUserInput('metric', metric, 'exists in the MULTI setting only');
    if (report.suite === 'IMPORTED_BITEXT' || (report.suite !== 'IMPORTED_RETRIEVAL' && EMBEDDING_SUITES.includes(report.suite))) return null;
    const rows = await services.prisma.evaluation.findMany({ where: { reportId: report.id } });
    return buildMatrix(rows, metric, setting);
  }

  @FieldResolver(() => [Evaluation], { description: 'Every (setting, query language, candidate language) row, ordered so' })
  pairs(@Root() report: EvaluationReport, @Ctx() { services }: ApiContext): Promise<Evaluation[]> {
    return services.prisma.evaluation.findMany({ where: { reportId: report.id }, orderBy: PAIR_ORDER });
  }
}
