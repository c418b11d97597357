import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A figure of an experiment\'s report (SVG, as the report links it)' })
export class ReportFigure {
  @Field(() => String, { description: 'File name under figures/, as report.md links it' })
  name!: string;

  @Field(() => String, { description: 'The SVG document' })
  svg!: string;
}

@ObjectType({ description: 'A named group of runs compared with each other' })
export class Experiment {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Name of the API key that created it; "open" when the gateway ran without keys' })
  createdBy!: string | null;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String, { nullable: true, description: 'startExperiment: the preset (smoke, quick, paper-cpu)' })
  preset!: string | null;

  @Field(() => String, { nullable: true, description: 'startExperiment and startSweep: RUNNING, then SUCCEEDED (report written; sweep: trials evaluated), FAILED, or CANCELLED (cancelSweep)' })
  status!: string | null;

  /** The database keeps the absolute folder; the API shows it relative (ExperimentResolver). */
  @Field(() => String, { nullable: true, description: 'Folder holding report.md and figures/, relative to the reports folder (REPORTS_DIR) of the worker that wrote it' })
  reportPath!: string | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType({ description: 'Jobs an experiment dispatched, by state' })
export class ExperimentProgress {
  @Field(() => Int, { description: 'Jobs created so far (evaluations and the report are added as runs finish)' })
  jobs!: number;

  @Field(() => Int)
  queued!: number;

  @Field(() => Int)
  running!: number;

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int, { description: 'Training runs planned' })
  runs!: number;

  @Field(() => Int)
  runsFinished!: number;
}
