import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class IndexCorpusInput {
  @Field(() => ID)
  checkpointId!: string;

  @Field(() => String, { description: 'A retrieval dataset: xquad-r or mlqa-r' })
  dataset!: string;

  @Field(() => [String], { nullable: true, description: 'Default: every language of the dataset' })
  languages?: string[] | null;
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

  @Field(() => String, { nullable: true, description: 'A collection name' })
  collection?: string | null;

  @Field(() => String, { nullable: true, description: 'An alias set by promoteCollection' })
  alias?: string | null;
}
