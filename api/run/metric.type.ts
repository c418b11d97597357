import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One recorded value of a training metric, e.g. loss at a step' })
export class MetricPoint {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  step!: number;

  @Field(() => Float)
  value!: number;

  @Field(() => Date)
  recordedAt!: Date;
}
