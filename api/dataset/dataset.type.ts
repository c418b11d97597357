import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { DatasetKind } from '../../schema/datasets.js';
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

@ObjectType()
export class LanguageCount {
  @Field(() => String)
  language!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'A dataset of the catalog and what of it is in the data folder' })
export class Dataset {
  @Field(() => String)
  name!: string;

  @Field(() => DatasetKindEnum)
  kind!: DatasetKind;

  @Field(() => Boolean, { description: 'Reserved for evaluation; never evaluate on what a run trained on' })
  evaluation!: boolean;

  @Field(() => Boolean, { description: 'Files were found in the data folder' })
  available!: boolean;

  @Field(() => Boolean, { description: 'Training runs accept it (today: QA datasets with sentence breaks, parallel across languages)' })
  trainable!: boolean;

  @Field(() => [String])
  languages!: string[];

  @Field(() => [DatasetFile])
  files!: DatasetFile[];

  @Field(() => Float)
  bytes!: number;
}
