import { Authorized, Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ApiContext } from '../context.js';
import { ImportDatasetInput, PullDatasetInput } from './dataset.input.js';
import { pullDataset } from './pull.service.js';
import { Job } from '../job/job.type.js';
import { Dataset, ImportedFile, LanguageCount } from './dataset.type.js';
import type { ImportFormat } from '../../schema/imported-suites.js';
import { importDataset } from './import.service.js';
import { exampleCounts, listDatasets, stateOf } from './registry.js';
import type { DatasetState, DatasetStatus } from './catalog.js';
import { DatasetStatusEnum, ImportFormatEnum } from '../enums.js';
import { isNonCommercial, manifestOf } from '../../schema/data-sources.js';

// status, missingFiles and corruptedFiles of one dataset share one check of its files per request.
const statesByRequest = new WeakMap<ApiContext, Map<string, Promise<DatasetState>>>();
function stateInRequest(context: ApiContext, dataset: Dataset): Promise<DatasetState> {
  let states = statesByRequest.get(context);
  if (!states) statesByRequest.set(context, (states = new Map()));
  let state = states.get(dataset.name);
  if (!state) states.set(dataset.name, (state = stateOf(context.services, dataset)));
  return state;
}

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
    description: 'Validates files inside the import roots (IMPORT_ROOTS; a relative path names a file in the first) and records them: a training JSONL file (kind JSONL), a retrieval suite (kind RETRIEVAL) or a bitext set (kind BITEXT) that evaluate(input: { datasets }) evaluates; nothing is written when a file is invalid. One import runs at a time',
  })
  importDataset(@Arg('input', () => ImportDatasetInput) input: ImportDatasetInput, @Ctx() { services }: ApiContext): Promise<Dataset> {
    return importDataset(services, input);
  }

  @Authorized('admin')
  @Mutation(() => Job, {
    description: 'Queues a PULL job that downloads the dataset\'s recorded files into the workers\' data folder (DATA_MIRROR when set), verifying each by sha256; files already there and verified are kept. Progress: jobProgress. Asked again while one runs, returns that job',
  })
  pullDataset(@Arg('input', () => PullDatasetInput) input: PullDatasetInput, @Ctx() { services }: ApiContext): Promise<Job> {
    return pullDataset(services, input);
  }

  @FieldResolver(() => [LanguageCount], {
    description: 'Questions (QA), lines (other catalog kinds) or records (JSONL) per language; catalog files are read on first request',
  })
  examples(@Root() dataset: Dataset, @Ctx() { services }: ApiContext): Promise<LanguageCount[]> {
    return exampleCounts(services, dataset);
  }

  @FieldResolver(() => DatasetStatusEnum, { description: 'Whether the data folder holds the recorded files, verified by sha256 (each file version is hashed once)' })
  async status(@Root() dataset: Dataset, @Ctx() context: ApiContext): Promise<DatasetStatus> {
    return (await stateInRequest(context, dataset)).status;
  }

  @FieldResolver(() => [String], { description: 'Recorded files not in the data folder (relative to it)' })
  async missingFiles(@Root() dataset: Dataset, @Ctx() context: ApiContext): Promise<string[]> {
    return (await stateInRequest(context, dataset)).missing;
  }

  @FieldResolver(() => [String], { description: 'Files in the data folder that differ from their record in size or sha256' })
  async corruptedFiles(@Root() dataset: Dataset, @Ctx() context: ApiContext): Promise<string[]> {
    return (await stateInRequest(context, dataset)).corrupted;
  }

  @FieldResolver(() => String, { nullable: true, description: 'License of the recorded files (several joined by "; "); null when no source is recorded' })
  license(@Root() dataset: Dataset): string | null {
    const folder = dataset.imported ? undefined : manifestOf(dataset.name);
    return folder ? [...new Set(folder.files.map((f) => f.license))].join('; ') : null;
  }

  @FieldResolver(() => Boolean, { description: 'Its license allows non-commercial use only: pullDataset asks for acceptNonCommercial' })
  nonCommercial(@Root() dataset: Dataset): boolean {
    const folder = dataset.imported ? undefined : manifestOf(dataset.name);
    return folder?.files.some((f) => isNonCommercial(f.license)) ?? false;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Where pullDataset downloads it from: repository and pinned commit; null when no source is recorded' })
  source(@Root() dataset: Dataset): string | null {
    const folder = dataset.imported ? undefined : manifestOf(dataset.name);
    const first = folder?.files[0];
    return first ? `https://github.com/${first.repo}/tree/${first.commit}` : null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Imported: the file relative to its import root (just its name when no import root holds it any more)' })
  path(@Root() dataset: Dataset): string | null {
    return dataset.imported?.path ?? null;
  }

  @FieldResolver(() => ImportFormatEnum, { nullable: true, description: 'Imported: how its files are laid out' })
  importFormat(@Root() dataset: Dataset): ImportFormat | null {
    return dataset.imported?.format ?? null;
  }

  @FieldResolver(() => [ImportedFile], { description: 'Imported: every file of the import; empty for catalog datasets' })
  importedFiles(@Root() dataset: Dataset): ImportedFile[] {
    return dataset.imported?.files ?? [];
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
