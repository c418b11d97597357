import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Retrieval } from '../retrieval/retrieval.type.js';

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
  @Field(() => Float, { description: 'Higher is better; what it measures depends on the mode (SearchResult.hits)' })
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
  @Field(() => [SearchHit], { description: 'Best first. Scores: cosine similarity (DENSE), BM25 (LEXICAL; with several languages, standard scores within each language\'s list), the fused score (HYBRID)' })
  hits!: SearchHit[];

  @Field(() => Retrieval)
  retrieval!: Retrieval;

  @Field(() => String, { description: 'Name of the collection searched (an alias resolved to its collection)' })
  collection!: string;

  @Field(() => String, { description: 'As given, or identified from the text by the worker' })
  queryLanguage!: string;
}

@ObjectType({
  description:
    'Live-traffic language bias over every search, searchBatch item and compareCollections column on this collection. ' +
    'Searches whose languages filter excludes the query language still count: their hits add to hits but never to the same-language share.',
})
export class LanguageBias {
  @Field(() => Int)
  searches!: number;

  @Field(() => Int, { description: 'Top-k hits returned, summed over searches' })
  hits!: number;

  @Field(() => Float, { nullable: true, description: 'Share of those hits in the query language; null before any hit' })
  sameLanguageShare!: number | null;
}
