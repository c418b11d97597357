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
    return rows.map((row) => ({ ...row, hostMemoryBytes: toNumber(row.hostMemoryBytes), deviceMemoryBytes: toNumber(row.deviceMemoryBytes) }));
  }
}

/** Byte counts are BigInt columns; GraphQL has no 64-bit integer, and a Float holds them exactly up to 8 PiB. */
const toNumber = (bytes: bigint | null) => (bytes === null ? null : Number(bytes));
