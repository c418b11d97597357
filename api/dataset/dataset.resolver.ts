import { Authorized, Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { ImportDatasetInput } from './dataset.input.js';
import { Dataset, LanguageCount } from './dataset.type.js';
import { importDataset } from './import.service.js';
import { exampleCounts, listDatasets } from './registry.js';

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => Dataset)
export class DatasetResolver {
  @Query(() => [Dataset], { description: 'The catalog (data folder), then imported datasets by name' })
  datasets(@Ctx() { services }: ApiContext): Promise<Dataset[]> {
    return listDatasets(services);
  }

  @Authorized('trainer')
  @Mutation(() => Dataset, {
    description: 'Validates every line of a JSONL file inside the import roots (IMPORT_ROOTS; a relative path names a file in the first) and records it as a trainable dataset (kind JSONL); nothing is written when a line is invalid. One import runs at a time',
  })
  importDataset(@Arg('input', () => ImportDatasetInput) input: ImportDatasetInput, @Ctx() { services }: ApiContext): Promise<Dataset> {
    return importDataset(services, input);
  }

  @FieldResolver(() => [LanguageCount], {
    description: 'Questions (QA), lines (other catalog kinds) or records (JSONL) per language; catalog files are read on first request',
  })
  examples(@Root() dataset: Dataset, @Ctx() { services }: ApiContext): Promise<LanguageCount[]> {
    return exampleCounts(services, dataset);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Imported: the file relative to its import root (just its name when no import root holds it any more)' })
  path(@Root() dataset: Dataset): string | null {
    return dataset.imported?.path ?? null;
  }

  @FieldResolver(() => String, { nullable: true })
  description(@Root() dataset: Dataset): string | null {
    return dataset.imported?.description ?? null;
  }

  @FieldResolver(() => Int, { nullable: true, description: 'Imported: distinct record ids (an item and its versions in other languages)' })
  groups(@Root() dataset: Dataset): number | null {
    return dataset.imported?.groups ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Imported: SHA-256 of the file when it was imported' })
  sha256(@Root() dataset: Dataset): string | null {
    return dataset.imported?.sha256 ?? null;
  }

  @FieldResolver(() => Date, { nullable: true })
  importedAt(@Root() dataset: Dataset): Date | null {
    return dataset.imported?.importedAt ?? null;
  }
}
