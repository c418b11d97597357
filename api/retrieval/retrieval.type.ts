// How a search or an evaluation retrieved: the GraphQL face of RetrievalSettings (schema/serving.ts).

import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import type { RetrievalMode, RetrievalSettings } from '../../schema/serving.js';
import { FusionMethodEnum, RetrievalModeEnum } from '../enums.js';

@InputType({ description: 'How dense and lexical hits are fused in HYBRID mode' })
export class FusionInput {
  @Field(() => FusionMethodEnum)
  method!: 'RRF' | 'WEIGHTED';

  @Field(() => Int, { nullable: true, description: 'RRF only: the constant k of 1/(k + rank), in [1, 1000]; default 60' })
  k?: number | null;

  @Field(() => Float, { nullable: true, description: 'WEIGHTED only: weight of the dense scores, in [0, 1]; default 0.2' })
  denseWeight?: number | null;
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

/** The settings as the API shows them: a fusion only where one took place, the dictionary only where lexical search ran. */
export function shownRetrieval({ mode, fusion, dictionary }: RetrievalSettings): Retrieval {
  const shown = fusion.kind === 'RRF' ? { method: fusion.kind, k: fusion.k, denseWeight: null } : { method: fusion.kind, k: null, denseWeight: fusion.denseWeight };
  return { mode, fusion: mode === 'HYBRID' ? shown : null, dictionary: mode !== 'DENSE' && dictionary };
}
