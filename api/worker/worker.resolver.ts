import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { MAX_LIST_ITEMS } from '../pagination.js';
import type { ApiContext } from '../context.js';
import { Worker } from './worker.type.js';

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => Worker)
export class WorkerResolver {
  @Query(() => [Worker], { description: 'Most recently seen first' })
  async workers(@Ctx() { services }: ApiContext): Promise<Worker[]> {
    const rows = await services.prisma.worker.findMany({ orderBy: [{ lastSeen: 'desc' }, { id: 'asc' }], take: MAX_LIST_ITEMS });
    return rows.map((row) => ({ ...row, hostMemoryBytes: row.hostMemoryBytes === null ? null : Number(row.hostMemoryBytes) }));
  }
}
