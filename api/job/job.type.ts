import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { JobKind } from '../../schema/jobs.js';
import { JobKindEnum, JobStatusEnum } from '../enums.js';

@ObjectType({ description: 'A unit of work on the queue; TRAIN jobs and EVALUATE jobs of a run carry its id' })
export class Job {
  @Field(() => ID)
  id!: string;

  @Field(() => JobKindEnum)
  kind!: JobKind;

  @Field(() => JobStatusEnum)
  status!: keyof typeof JobStatusEnum;

  @Field(() => ID, { nullable: true })
  runId!: string | null;

  @Field(() => Int, { description: 'Deliveries to workers so far' })
  attempts!: number;

  @Field(() => Int, { description: 'TRAIN jobs: admission priority, -10 to 10 (higher enters the work queue first)' })
  priority!: number;

  @Field(() => Date, { nullable: true, description: 'When its message entered the work queue; null while a TRAIN job waits for admission (priority, share, its sweep\'s maxParallel)' })
  publishedAt!: Date | null;

  @Field(() => String, { nullable: true })
  workerId!: string | null;

  @Field(() => Date, { nullable: true })
  lastHeartbeat!: Date | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  /** What the job was asked to do (an EvaluationRequest for EVALUATE); read by field resolvers. */
  payload?: unknown;

  /** The latest progress report (PULL jobs); read by the progress field resolver. */
  progress?: unknown;

  /** JobRequirements (schema/capabilities.ts); read by the requirement field resolvers. */
  requirements?: unknown;
}
