import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { EvaluationSettingEnum } from '../enums.js';

@ObjectType({ description: 'Retrieval quality of a checkpoint (or a baseline) for one language pair' })
export class Evaluation {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true })
  runId!: string | null;

  @Field(() => ID, { nullable: true })
  checkpointId!: string | null;

  @Field(() => String, { nullable: true })
  baseline!: string | null;

  @Field(() => String)
  dataset!: string;

  @Field(() => EvaluationSettingEnum)
  setting!: keyof typeof EvaluationSettingEnum;

  @Field(() => String)
  queryLanguage!: string;

  @Field(() => String)
  candidateLanguage!: string;

  @Field(() => Float)
  map!: number;

  @Field(() => Float)
  recallAt1!: number;

  @Field(() => Float)
  recallAt10!: number;

  @Field(() => Float)
  ndcgAt10!: number;

  @Field(() => Float, { nullable: true, description: 'Maximum rank distance (multilingual setting only)' })
  rankDistance!: number | null;

  @Field(() => Int, { description: 'Queries evaluated' })
  count!: number;

  @Field(() => Date)
  createdAt!: Date;
}
