import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { DatasetKind } from '../../schema/datasets.js';
import type { DatasetInfo, ImportedDetails } from './catalog.js';
import { DatasetKindEnum } from '../enums.js';

@ObjectType()
export class DatasetFile {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  language!: string;

  @Field(() => Float)
  bytes!: number;
}

@ObjectType({ description: 'A file an import recorded; workers read it where it was imported from' })
export class ImportedFile {
  @Field(() => String, { description: 'records (JSONL); queries, corpus, qrels (BEIR); squad (one per language); a, b, gold (bitext)' })
  role!: string;

  @Field(() => String, { nullable: true })
  language!: string | null;

  @Field(() => String, { description: 'Relative to its import root' })
  path!: string;

  @Field(() => String, { description: 'SHA-256 when imported: a worker refuses to evaluate a file that changed since' })
  sha256!: string;

  @Field(() => Float)
  bytes!: number;
}

@ObjectType()
export class LanguageCount {
  @Field(() => String)
  language!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'A dataset of the catalog and what of it is in the data folder, or a JSONL file recorded by importDataset' })
export class Dataset implements DatasetInfo {
  @Field(() => String)
  name!: string;

  @Field(() => DatasetKindEnum)
  kind!: DatasetKind;

  @Field(() => Boolean, { description: 'Reserved for evaluation; never evaluate on what a run trained on' })
  evaluation!: boolean;

  @Field(() => Boolean, { description: 'Files were found in the data folder (imported: the file exists at its path)' })
  available!: boolean;

  @Field(() => Boolean, { description: 'Training runs accept it (every kind but BITEXT)' })
  trainable!: boolean;

  @Field(() => [String])
  languages!: string[];

  @Field(() => [DatasetFile], { description: 'Files in the data folder; empty for imported datasets (see path)' })
  files!: DatasetFile[];

  @Field(() => Float)
  bytes!: number;

  /** Resolved by the field resolvers of DatasetResolver. */
  imported?: ImportedDetails;
}
