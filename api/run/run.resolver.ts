import { Authorized, Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { findReports } from '../evaluation/evaluation.service.js';
import { EvaluationReport } from '../evaluation/report.type.js';
import { Experiment } from '../experiment/experiment.type.js';
import { Job } from '../job/job.type.js';
import { afterPosition, decodeCursor, encodeCursor, MAX_LIST_ITEMS, pageSize } from '../pagination.js';
import { Checkpoint } from './checkpoint.type.js';
import { MetricPoint } from './metric.type.js';
import { RunConnection } from './run.connection.js';
import { RunFilter, TrainingRunInput } from './run.input.js';
import { toRun } from './run.mapper.js';
import { cancelRun, startTrainingRun } from './run.service.js';
import { Run } from './run.type.js';

/** A long run's curves are paged with sinceStep rather than sent whole. */
const MAX_METRIC_POINTS = 10_000;

const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => Run)
export class RunResolver {
  @Query(() => RunConnection)
  async runs(
    @Arg('filter', () => RunFilter, { nullable: true }) filter: RunFilter | null | undefined,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; default 20' }) first: number | null | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() { services }: ApiContext,
  ): Promise<RunConnection> {
    const take = pageSize(first);
    const where = {
      ...(filter?.experimentId ? { experimentId: filter.experimentId } : {}),
      ...(filter?.status ? { status: filter.status } : {}),
      ...(filter?.strategy ? { strategy: filter.strategy } : {}),
    };
    const page = after ? { AND: [where, afterPosition(decodeCursor(after))] } : where;
    const [rows, totalCount] = await Promise.all([
      services.prisma.run.findMany({ where: page, orderBy: NEWEST_FIRST, take: take + 1 }),
      services.prisma.run.count({ where }),
    ]);
    const edges = rows.slice(0, take).map((row) => ({ cursor: encodeCursor(row), node: toRun(row) }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > take, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount,
    };
  }

  @Query(() => Run, { nullable: true })
  async run(@Arg('id', () => ID) id: string, @Ctx() { services }: ApiContext): Promise<Run | null> {
    const row = await services.prisma.run.findUnique({ where: { id } });
    return row && toRun(row);
  }

  @Authorized('trainer')
  @Mutation(() => Run, { description: 'Records the run and queues its training job' })
  async startTrainingRun(
    @Arg('input', () => TrainingRunInput) input: TrainingRunInput,
    @Ctx() { services, principal }: ApiContext,
  ): Promise<Run> {
    return toRun(await startTrainingRun(services, principal, input));
  }

  @Authorized('trainer')
  @Mutation(() => Run, { description: 'Cancels a QUEUED or RUNNING run' })
  async cancelRun(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: ApiContext): Promise<Run> {
    return toRun(await cancelRun(services, principal, id));
  }

  @FieldResolver(() => Experiment, { nullable: true })
  experiment(@Root() run: Run, @Ctx() { services }: ApiContext): Promise<Experiment | null> | null {
    return run.experimentId === null ? null : services.prisma.experiment.findUnique({ where: { id: run.experimentId } });
  }

  @FieldResolver(() => [MetricPoint], { description: `Ordered by step, then name; at most \`first\` points (page on with sinceStep)` })
  metrics(
    @Root() run: Run,
    @Arg('names', () => [String], { nullable: true }) names: string[] | null | undefined,
    @Arg('sinceStep', () => Int, { nullable: true }) sinceStep: number | null | undefined,
    @Arg('first', () => Int, { nullable: true, description: `At most ${MAX_METRIC_POINTS}; default ${MAX_METRIC_POINTS}` }) first: number | null | undefined,
    @Ctx() { services }: ApiContext,
  ): Promise<MetricPoint[]> {
    if (sinceStep != null && sinceStep < 0) throw badUserInput('sinceStep', sinceStep, 'is negative');
    if (first != null && (first < 1 || first > MAX_METRIC_POINTS)) throw badUserInput('first', first, `is not in [1, ${MAX_METRIC_POINTS}]`);
    if (names != null && names.length > 32) throw badUserInput('names', names.length, 'names given; give at most 32');
    return services.prisma.metricPoint.findMany({
      take: first ?? MAX_METRIC_POINTS,
      where: {
        runId: run.id,
        ...(names ? { name: { in: names } } : {}),
        ...(sinceStep != null ? { step: { gte: sinceStep } } : {}),
      },
      orderBy: [{ step: 'asc' }, { name: 'asc' }],
      select: { name: true, step: true, value: true, recordedAt: true },
    });
  }

  @FieldResolver(() => [Checkpoint], { description: 'Ordered by step' })
  checkpoints(@Root() run: Run, @Ctx() { services }: ApiContext): Promise<Checkpoint[]> {
    return services.prisma.checkpoint.findMany({ where: { runId: run.id }, orderBy: { step: 'asc' }, take: MAX_LIST_ITEMS });
  }

  @FieldResolver(() => [EvaluationReport], { description: 'Reports of the run and of its checkpoints, validations during training included; oldest first' })
  evaluations(@Root() run: Run, @Ctx() { services }: ApiContext): Promise<EvaluationReport[]> {
    return findReports(services, { runId: run.id }, 'asc');
  }

  @FieldResolver(() => [Job])
  jobs(@Root() run: Run, @Ctx() { services }: ApiContext): Promise<Job[]> {
    return services.prisma.job.findMany({ where: { runId: run.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: MAX_LIST_ITEMS });
  }
}
