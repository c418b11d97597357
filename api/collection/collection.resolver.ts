import { Authorized, Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { MAX_LIST_ITEMS } from '../pagination.js';
import type { ApiContext } from '../context.js';
import { Job } from '../job/job.type.js';
import { IndexCorpusInput, SearchInput } from './collection.input.js';
import { FusionInput } from '../retrieval/retrieval.type.js';
import { RetrievalModeEnum } from '../enums.js';
import type { RetrievalMode } from '../../schema/serving.js';
import { indexCorpus, promoteCollection } from './collection.service.js';
import { Collection, LanguageBias, SearchResult } from './collection.type.js';
import { compareCollections, MAX_BATCH, search, searchBatch } from './search.service.js';

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => Collection)
export class CollectionResolver {
  @Authorized('trainer')
  @Mutation(() => Job, { description: "Queues an EMBED job that indexes a retrieval dataset's candidate sentences with a checkpoint" })
  indexCorpus(@Arg('input', () => IndexCorpusInput) input: IndexCorpusInput, @Ctx() { services }: ApiContext): Promise<Job> {
    return indexCorpus(services, input);
  }

  @Authorized('trainer')
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
    return services.prisma.collection.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: MAX_LIST_ITEMS });
  }

  @Query(() => SearchResult, {
    description: 'The collection\'s best sentences for the text: dense (the checkpoint\'s encoder), lexical (BM25, the query translated into each language) or both fused (default)',
  })
  search(@Arg('input', () => SearchInput) input: SearchInput, @Ctx() { services }: ApiContext): Promise<SearchResult> {
    return search(services, input);
  }

  @Query(() => [SearchResult], { description: `Up to ${MAX_BATCH} searches, results in input order; queries of one collection share an encoder call` })
  searchBatch(@Arg('inputs', () => [SearchInput]) inputs: SearchInput[], @Ctx() { services }: ApiContext): Promise<SearchResult[]> {
    return searchBatch(services, inputs);
  }

  @Query(() => [SearchResult], { description: 'The same query against 2 to 4 collections, side by side in the order given' })
  compareCollections(
    @Arg('text', () => String) text: string,
    @Arg('collections', () => [String], { description: 'Collection names or aliases' }) collections: string[],
    @Arg('k', () => Int, { nullable: true, description: 'Hits wanted per collection, in [1, 100]; default 10' }) k: number | null,
    @Arg('queryLanguage', () => String, { nullable: true }) queryLanguage: string | null,
    @Arg('languages', () => [String], { nullable: true }) languages: string[] | null,
    @Arg('mode', () => RetrievalModeEnum, { nullable: true, description: 'Default HYBRID' }) mode: RetrievalMode | null,
    @Arg('fusion', () => FusionInput, { nullable: true, description: 'HYBRID only; default WEIGHTED with denseWeight 0.2 (chosen on validation data)' }) fusion: FusionInput | null,
    @Arg('dictionary', () => Boolean, { nullable: true, description: 'Lexical search translates the query with the bilingual dictionaries; default true' }) dictionary: boolean | null,
    @Ctx() { services }: ApiContext,
  ): Promise<SearchResult[]> {
    return compareCollections(services, { text, collections, k, queryLanguage, languages, mode, fusion, dictionary });
  }

  @FieldResolver(() => LanguageBias)
  async languageBias(@Root() collection: Collection, @Ctx() { services }: ApiContext): Promise<LanguageBias> {
    const stored = await services.prisma.collectionSearchStats.findUnique({ where: { collectionId: collection.id } });
    // Plus the counts of searches this gateway answered since its last write.
    const pending = services.searchStats.pending(collection.id);
    const searches = (stored?.searches ?? 0) + (pending?.searches ?? 0);
    const hits = (stored?.hits ?? 0) + (pending?.hits ?? 0);
    const same = (stored?.hitsInQueryLanguage ?? 0) + (pending?.hitsInQueryLanguage ?? 0);
    return { searches, hits, sameLanguageShare: hits === 0 ? null : same / hits };
  }
}
