import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "A vector collection of one retrieval dataset's candidate sentences, embedded by one checkpoint" })
export class Collection {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  checkpointId!: string;

  @Field(() => String, { description: 'Name in the vector store' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'The alias that points at it, set by promoteCollection' })
  alias!: string | null;

  @Field(() => String)
  dataset!: string;

  @Field(() => [String])
  languages!: string[];

  @Field(() => Int, { description: 'Points in the collection' })
  size!: number;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class SearchHit {
  @Field(() => Float, { description: 'Cosine similarity; hits come by descending score' })
  score!: number;

  @Field(() => String)
  language!: string;

  @Field(() => String)
  text!: string;

  @Field(() => String, { description: 'language:paragraph:sentence in the dataset' })
  documentId!: string;
}

@ObjectType()
export class SearchResult {
  @Field(() => [SearchHit])
  hits!: SearchHit[];

  @Field(() => String, { description: 'As given, or detected from the script of the query (Latin script: "en")' })
  queryLanguage!: string;
}
