import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { Job } from '../job/job.type.js';
import { IndexCorpusInput, SearchInput } from './collection.input.js';
import { indexCorpus, promoteCollection, search } from './collection.service.js';
import { Collection, SearchResult } from './collection.type.js';

@Resolver(() => Collection)
export class CollectionResolver {
  @Mutation(() => Job, { description: "Queues an EMBED job that indexes a retrieval dataset's candidate sentences with a checkpoint" })
  indexCorpus(@Arg('input', () => IndexCorpusInput) input: IndexCorpusInput, @Ctx() { services }: ApiContext): Promise<Job> {
    return indexCorpus(services, input);
  }

  @Mutation(() => Collection, { description: 'Points the alias at this collection, taking it from any other, in one atomic swap' })
  promoteCollection(
    @Arg('alias', () => String) alias: string,
    @Arg('collectionId', () => ID) collectionId: string,
    @Ctx() { services }: ApiContext,
  ): Promise<Collection> {
    return promoteCollection(services, alias, collectionId);
  }

  @Query(() => [Collection], { description: 'Newest first' })
  collections(@Ctx() { services }: ApiContext): Promise<Collection[]> {
    return services.prisma.collection.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  }

  @Query(() => SearchResult, { description: 'Embeds the text as a query with the collection\'s checkpoint and returns the nearest sentences' })
  search(@Arg('input', () => SearchInput) input: SearchInput, @Ctx() { services }: ApiContext): Promise<SearchResult> {
    return search(services, input);
  }
}
