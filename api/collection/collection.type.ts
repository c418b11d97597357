import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { RetrievalMode } from '../../schema/serving.js';
import { FusionMethodEnum, RetrievalModeEnum } from '../enums.js';

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
export class Fusion {
  @Field(() => FusionMethodEnum)
  method!: 'RRF' | 'WEIGHTED';

  @Field(() => Int, { nullable: true, description: 'RRF: the constant k' })
  k!: number | null;

  @Field(() => Float, { nullable: true, description: 'WEIGHTED: weight of the dense scores' })
  denseWeight!: number | null;
}

@ObjectType({ description: 'What produced a result' })
export class Retrieval {
  @Field(() => RetrievalModeEnum)
  mode!: RetrievalMode;

  @Field(() => Fusion, { nullable: true, description: 'HYBRID only' })
  fusion!: Fusion | null;

  @Field(() => Boolean, { description: 'Lexical search translated the query with the bilingual dictionaries' })
  dictionary!: boolean;
}

@ObjectType()
export class SearchResult {
  @Field(() => [SearchHit], { description: 'Best first. Scores: cosine similarity (DENSE), BM25 (LEXICAL, scaled to each language\'s best hit when several languages are searched), the fused score (HYBRID)' })
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
