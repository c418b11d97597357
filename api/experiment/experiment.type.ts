import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A named group of runs compared with each other' })
export class Experiment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}
