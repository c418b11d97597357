import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { RunStatus } from '../../schema/events.js';
import { RunStatusEnum } from '../enums.js';

@ObjectType({ description: 'Pairs of one query-passage language combination in a batch, e.g. en-de' })
export class PairCount {
  @Field(() => String, { description: 'Query language, dash, passage language' })
  pair!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'A headline estimate, e.g. mono.map (no interval: validations are for watching, reports for comparing)' })
export class HeadlineValue {
  @Field(() => String)
  name!: string;

  @Field(() => Float)
  value!: number;
}

@ObjectType({ description: 'A validation on an evaluation suite during training; its full report is in Run.evaluations (step set)' })
export class ValidationResult {
  @Field(() => String, { description: 'EvaluationSuite, e.g. MLQA_R' })
  suite!: string;

  @Field(() => [HeadlineValue])
  headlines!: HeadlineValue[];
}

@ObjectType({ description: 'Training progress at one step; metrics are null when not recorded for that step' })
export class TrainingProgress {
  @Field(() => ID)
  runId!: string;

  @Field(() => Int)
  step!: number;

  @Field(() => Int)
  totalSteps!: number;

  @Field(() => Float, { nullable: true })
  loss!: number | null;

  @Field(() => Float, { nullable: true })
  learningRate!: number | null;

  @Field(() => Float, { nullable: true, description: 'Training throughput' })
  pairsPerSecond!: number | null;

  @Field(() => Float, { nullable: true, description: 'Loss on the held-out validation groups, at the steps where it was computed' })
  validationLoss!: number | null;

  @Field(() => [ValidationResult], { description: 'Suites validated at this step; empty at other steps and on status-only items' })
  validations!: ValidationResult[];

  @Field(() => RunStatusEnum)
  status!: RunStatus;

  @Field(() => [PairCount], { description: 'Empty for steps replayed from the database, which stores no composition' })
  batchComposition!: PairCount[];

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Boolean, { description: 'Read back from stored metrics rather than received live' })
  replayed!: boolean;

  @Field(() => Date)
  at!: Date;
}

@ObjectType()
export class RunStatusChange {
  @Field(() => ID)
  runId!: string;

  @Field(() => RunStatusEnum)
  status!: RunStatus;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Date)
  at!: Date;
}
