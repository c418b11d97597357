import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { RetrievalModeEnum } from '../enums.js';
import { FusionInput } from '../retrieval/retrieval.type.js';
import type { RetrievalMode } from '../../schema/serving.js';

@InputType({ description: 'BM25 settings of the collection\'s lexical index' })
export class Bm25Input {
  @Field(() => Float, { nullable: true, description: 'Term-frequency saturation, in [0, 3]; default 1.2' })
  k1?: number | null;

  @Field(() => Float, { nullable: true, description: 'Length normalisation, in [0, 1]; default 0.75' })
  b?: number | null;
}

@InputType()
export class IndexCorpusInput {
  @Field(() => ID)
  checkpointId!: string;

  @Field(() => String, { description: 'A retrieval dataset: xquad-r or mlqa-r' })
  dataset!: string;

  @Field(() => [String], { nullable: true, description: 'Default: every language of the dataset' })
  languages?: string[] | null;

  @Field(() => Bm25Input, { nullable: true })
  bm25?: Bm25Input | null;
}

@InputType({ description: 'Exactly one of collection, alias' })
export class SearchInput {
  @Field(() => String, { description: 'At most 2,000 characters' })
  text!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'A lowercase ISO 639-1 code. Default: identified from the text by the worker (the data folder\'s 30 languages; single words are ambiguous)',
  })
  queryLanguage?: string | null;

  @Field(() => [String], { nullable: true, description: 'Only hits in these languages (1 to 32 distinct lowercase ISO 639-1 codes); default every language' })
  languages?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Hits wanted, in [1, 100]; default 10' })
  k?: number | null;

  @Field(() => RetrievalModeEnum, { nullable: true, description: 'Default HYBRID' })
  mode?: RetrievalMode | null;

  @Field(() => FusionInput, { nullable: true, description: 'HYBRID only; default WEIGHTED with denseWeight 0.2 (chosen on validation data)' })
  fusion?: FusionInput | null;

  @Field(() => Boolean, { nullable: true, description: 'Lexical search reaches other languages by translating the query with the bilingual dictionaries; default true' })
  dictionary?: boolean | null;

  @Field(() => String, { nullable: true, description: 'A collection name' })
  collection?: string | null;

  @Field(() => String, { nullable: true, description: 'An alias set by promoteCollection' })
  alias?: string | null;
}
