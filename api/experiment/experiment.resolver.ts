import { Authorized, Arg, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { Prisma } from '../../prisma/generated/client.js';
import { principalName } from '../auth/principal.js';
import { MAX_LIST_ITEMS } from '../pagination.js';
import type { ApiContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { reportShown } from '../files/shown.js';
import { Run } from '../run/run.type.js';
import { toRun } from '../run/run.mapper.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CreateExperimentInput, StartExperimentInput, checkExperimentInput } from './experiment.input.js';
import { startExperiment } from './experiment.service.js';
import { Experiment, ExperimentProgress, ReportFigure } from './experiment.type.js';

/** A report has about 20 figures of tens of KiB: these bounds keep one answer's cost small. */
const MAX_FIGURES = 50;
const MAX_FIGURE_BYTES = 512 * 1024;

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => Experiment)
export class ExperimentResolver {
  @Query(() => [Experiment])
  experiments(@Ctx() { services }: ApiContext): Promise<Experiment[]> {
    return services.prisma.experiment.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: MAX_LIST_ITEMS });
  }

  @Query(() => Experiment, { nullable: true })
  experiment(@Arg('id', () => ID) id: string, @Ctx() { services }: ApiContext): Promise<Experiment | null> {
    return services.prisma.experiment.findUnique({ where: { id } });
  }

  @Authorized('trainer')
  @Mutation(() => Experiment)
  async createExperiment(
    @Arg('input', () => CreateExperimentInput) input: CreateExperimentInput,
    @Ctx() { services, principal }: ApiContext,
  ): Promise<Experiment> {
    const data = checkExperimentInput(input);
    try {
      return await services.prisma.experiment.create({ data: { ...data, ...principalName(principal) } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw badUserInput('input.name', data.name, 'is already the name of an experiment');
      }
      throw error;
    }
  }

  @Authorized('trainer')
  @Mutation(() => Experiment, {
    description:
      'Runs a preset of the study: MONO, CROSS and HYBRID(alpha) runs for every seed under both zero-shot protocols (train MLQA-R, evaluate XQuAD-R; train XQuAD-R, evaluate MLQA-R), ' +
      'their evaluations, the BM25 and untrained baselines, then a report under REPORTS_DIR/<id>/',
  })
  startExperiment(@Arg('input', () => StartExperimentInput) input: StartExperimentInput, @Ctx() { services, principal }: ApiContext): Promise<Experiment> {
    return startExperiment(services, principal, input);
  }

  @FieldResolver(() => ExperimentProgress, { nullable: true, description: 'startExperiment: its jobs by state' })
  async progress(@Root() experiment: Experiment, @Ctx() { services }: ApiContext): Promise<ExperimentProgress | null> {
    if (experiment.preset === null) return null;
    const { prisma } = services;
    const [byStatus, runs, runsFinished] = await Promise.all([
      prisma.job.groupBy({ by: ['status'], where: { experimentId: experiment.id }, _count: true }),
      prisma.run.count({ where: { experimentId: experiment.id } }),
      prisma.run.count({ where: { experimentId: experiment.id, status: { in: ['SUCCEEDED', 'FAILED', 'CANCELLED'] } } }),
    ]);
    const count = (...statuses: string[]) => byStatus.filter((s) => statuses.includes(s.status)).reduce((n, s) => n + s._count, 0);
    return {
      jobs: count('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'),
      queued: count('QUEUED'),
      running: count('RUNNING'),
      succeeded: count('SUCCEEDED'),
      failed: count('FAILED', 'CANCELLED'),
      runs,
      runsFinished,
    };
  }

  @FieldResolver(() => String, { nullable: true, description: 'Folder holding report.md and figures/, relative to the reports folder (REPORTS_DIR) of the worker that wrote it' })
  reportPath(@Root() experiment: Experiment): string | null {
    return experiment.reportPath ? reportShown(experiment.reportPath) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'report.md, once written (figures are beside it under reportPath)' })
  async report(@Root() experiment: Experiment): Promise<string | null> {
    if (!experiment.reportPath) return null;
    return readFile(path.join(experiment.reportPath, 'report.md'), 'utf8').catch(() => null);
  }

  @FieldResolver(() => [ReportFigure], {
    description: `The report's figures (figures/*.svg), by name; at most ${MAX_FIGURES}, each at most ${MAX_FIGURE_BYTES / 1024} KiB. On experiment(id) only: one experiment's figures per request`,
  })
  async figures(@Root() experiment: Experiment, @Info() info: GraphQLResolveInfo): Promise<ReportFigure[]> {
    // Megabytes per experiment: asked for over the experiments list, one request could read them all.
    if (typeof info.path.prev?.key === 'number') throw badUserInput('figures', null, 'is only available on experiment(id), one experiment at a time');
    if (!experiment.reportPath) return [];
    const folder = path.join(experiment.reportPath, 'figures');
    const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => /^[\w.-]+\.svg$/.test(n)).sort().slice(0, MAX_FIGURES);
    const figures = await Promise.all(names.map(async (name) => {
      const file = path.join(folder, name);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile() || info.size > MAX_FIGURE_BYTES) return null;
      const svg = await readFile(file, 'utf8').catch(() => null);
      return svg === null ? null : { name, svg };
    }));
    return figures.filter((f): f is ReportFigure => f !== null);
  }

  @FieldResolver(() => [Run], { description: 'Newest first' })
  async runs(@Root() experiment: Experiment, @Ctx() { services }: ApiContext): Promise<Run[]> {
    const rows = await services.prisma.run.findMany({
      where: { experimentId: experiment.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: MAX_LIST_ITEMS,
    });
    return rows.map(toRun);
  }
}
