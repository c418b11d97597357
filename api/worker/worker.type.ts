import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A worker process as last reported by itself' })
export class Worker {
  @Field(() => ID)
  id!: string;

  @Field(() => [String], { description: 'Job kinds it accepts' })
  capabilities!: string[];

  @Field(() => String, { nullable: true, description: 'Compute backend, e.g. wasm or torch' })
  backend!: string | null;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date)
  lastSeen!: Date;
}
