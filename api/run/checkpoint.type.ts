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

  /** The database keeps the absolute folder; the API shows it relative (CheckpointResolver). */
  @Field(() => String, { description: 'Folder of the checkpoint relative to the checkpoint folder of the worker that wrote it (CHECKPOINT_DIR): <runId>/step-<step>' })
  location!: string;

  @Field(() => JSONResolver, { nullable: true })
  metrics!: unknown;

  @Field(() => Date, { nullable: true, description: 'When keep-last-N pruning (keepCheckpoints) removed its files; its evaluations stay. A pruned checkpoint cannot be evaluated or indexed' })
  prunedAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;
}
