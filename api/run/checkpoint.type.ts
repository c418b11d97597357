import { JSONResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class Checkpoint {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  runId!: string;

  @Field(() => Int)
  step!: number;

  @Field(() => String)
  location!: string;

  @Field(() => JSONResolver, { nullable: true })
  metrics!: unknown;

  @Field(() => Date)
  createdAt!: Date;
}
