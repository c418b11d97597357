import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { EvaluationSettingEnum } from '../enums.js';

@ObjectType({ description: 'One cell of a retrieval report: a setting, a query language and a candidate language ("all" in MULTI)' })
export class Evaluation {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  reportId!: string;

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

  @Field(() => Float)
  mrrAt10!: number;

  @Field(() => Float, { nullable: true, description: 'Maximum rank distance (MULTI only)' })
  rankDistance!: number | null;

  @Field(() => Int, { description: 'Queries evaluated' })
  count!: number;

  @Field(() => Date)
  createdAt!: Date;
}
