import { Field, Float, ID, ObjectType } from 'type-graphql';
import { JobStatusEnum } from '../enums.js';

@ObjectType({ description: 'How far a job without a run has come (PULL: bytes of the dataset\'s recorded files)' })
export class JobProgress {
  @Field(() => ID)
  jobId!: string;

  @Field(() => JobStatusEnum, { description: 'The job\'s status; the last item of a jobProgress stream carries how it ended' })
  status!: keyof typeof JobStatusEnum;

  @Field(() => Float)
  done!: number;

  @Field(() => Float)
  total!: number;

  @Field(() => String, { description: 'bytes or items' })
  unit!: string;

  @Field(() => String, { description: 'What is being worked on, e.g. the file being downloaded' })
  detail!: string;

  @Field(() => String, { nullable: true, description: 'Why the job failed, on the last item' })
  error!: string | null;

  @Field(() => Date)
  at!: Date;
}
