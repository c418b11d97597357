import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { Dataset, LanguageCount } from './dataset.type.js';

@Resolver(() => Dataset)
export class DatasetResolver {
  @Query(() => [Dataset])
  datasets(@Ctx() { services }: ApiContext): Promise<Dataset[]> {
    return services.catalog.list();
  }

  @FieldResolver(() => [LanguageCount], {
    description: 'Questions (QA) or lines (other kinds) per language; reads the files on first request',
  })
  examples(@Root() dataset: Dataset, @Ctx() { services }: ApiContext): Promise<LanguageCount[]> {
    return services.catalog.exampleCounts(dataset.name);
  }
}
