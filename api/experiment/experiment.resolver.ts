import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Prisma } from '../../prisma/generated/client.js';
import type { ApiContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { Run } from '../run/run.type.js';
import { toRun } from '../run/run.mapper.js';
import { CreateExperimentInput, checkExperimentInput } from './experiment.input.js';
import { Experiment } from './experiment.type.js';

@Resolver(() => Experiment)
export class ExperimentResolver {
  @Query(() => [Experiment])
  experiments(@Ctx() { services }: ApiContext): Promise<Experiment[]> {
    return services.prisma.experiment.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  }

  @Query(() => Experiment, { nullable: true })
  experiment(@Arg('id', () => ID) id: string, @Ctx() { services }: ApiContext): Promise<Experiment | null> {
    return services.prisma.experiment.findUnique({ where: { id } });
  }

  @Mutation(() => Experiment)
  async createExperiment(
    @Arg('input', () => CreateExperimentInput) input: CreateExperimentInput,
    @Ctx() { services }: ApiContext,
  ): Promise<Experiment> {
    const data = checkExperimentInput(input);
    try {
      return await services.prisma.experiment.create({ data });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw badUserInput('input.name', data.name, 'is already the name of an experiment');
      }
      throw error;
    }
  }

  @FieldResolver(() => [Run], { description: 'Newest first' })
  async runs(@Root() experiment: Experiment, @Ctx() { services }: ApiContext): Promise<Run[]> {
    const rows = await services.prisma.run.findMany({
      where: { experimentId: experiment.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return rows.map(toRun);
  }
}
