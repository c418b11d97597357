import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { JobStatusEnum } from '../enums.js';
import { pageSize } from '../pagination.js';
import { Job } from './job.type.js';

@Resolver(() => Job)
export class JobResolver {
  @Query(() => [Job], { description: 'Newest first' })
  jobs(
    @Arg('status', () => JobStatusEnum, { nullable: true }) status: keyof typeof JobStatusEnum | null | undefined,
    @Arg('runId', () => ID, { nullable: true }) runId: string | null | undefined,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100; default 20' }) first: number | null | undefined,
    @Ctx() { services }: ApiContext,
  ): Promise<Job[]> {
    return services.prisma.job.findMany({
      where: { ...(status ? { status } : {}), ...(runId ? { runId } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: pageSize(first),
    });
  }
}
