import { Field, ID, InputType, Int } from 'type-graphql';
import type { Baseline } from '../../schema/evaluation.js';
import type { EvaluationSuite } from '../../schema/training.js';
import { BaselineEnum, EvaluationSuiteEnum, ReportSuiteEnum, RetrievalModeEnum } from '../enums.js';
import type { ReportSuite } from './report.type.js';
import type { RetrievalMode } from '../../schema/serving.js';
import { FusionInput } from '../retrieval/retrieval.type.js';
import type { EvaluateInputData } from './evaluate-input.js';

// No defaultValue in the decorators: resolveEvaluateInput fills omitted fields from
// schema/evaluation.ts, the one place where defaults apply.

@InputType({ description: 'Exactly one of runId, checkpointId, baseline' })
export class EvaluateInput implements EvaluateInputData {
  @Field(() => ID, { nullable: true, description: "The run's latest checkpoint; the run needs one, or must have SUCCEEDED" })
  runId?: string | null;

  @Field(() => ID, { nullable: true })
  checkpointId?: string | null;

  @Field(() => BaselineEnum, { nullable: true })
  baseline?: Baseline | null;

  @Field(() => [EvaluationSuiteEnum], { nullable: true, description: 'Default: every suite, or none when datasets is given. A run is never evaluated on a dataset it trained on' })
  suites?: EvaluationSuite[] | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Imported evaluation suites (datasets of kind RETRIEVAL or BITEXT, see importDataset), at most 20; their reports have suite IMPORTED_RETRIEVAL or IMPORTED_BITEXT and the dataset\'s name',
  })
  datasets?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Bootstrap replicates for the 95% intervals, in [100, 10000]; default 1000' })
  bootstrap?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seed of the bootstrap and of the RANDOM baseline; default 0' })
  seed?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Only the first N questions of each language (the candidate pools stay whole) and the first N XNLI sentences: a quick check; default every one',
  })
  queriesPerLanguage?: number | null;

  @Field(() => RetrievalModeEnum, {
    nullable: true,
    description: 'How retrieval suites are searched, exactly as search answers users; default HYBRID. BM25 and DICT_BM25 baselines are always LEXICAL',
  })
  mode?: RetrievalMode | null;

  @Field(() => FusionInput, { nullable: true, description: 'HYBRID only; default WEIGHTED with denseWeight 0.2 (chosen on validation data)' })
  fusion?: FusionInput | null;

  @Field(() => Boolean, { nullable: true, description: 'Lexical search translates queries with the bilingual dictionaries; default true' })
  dictionary?: boolean | null;

  @Field(() => String, { nullable: true, description: 'A repeated request with the same key returns the first one\'s job' })
  idempotencyKey?: string | null;
}

@InputType({ description: 'Every given field must match' })
export class EvaluationFilter {
  @Field(() => ID, { nullable: true, description: 'Reports of the run or of any of its checkpoints' })
  runId?: string | null;

  @Field(() => ID, { nullable: true })
  checkpointId?: string | null;

  @Field(() => BaselineEnum, { nullable: true })
  baseline?: Baseline | null;

  @Field(() => ReportSuiteEnum, { nullable: true })
  suite?: ReportSuite | null;

  @Field(() => String, { nullable: true, description: 'Reports of this dataset (a catalog name, or an imported suite\'s name)' })
  dataset?: string | null;

  @Field(() => ID, { nullable: true })
  jobId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only validations during training (step set); false: only EVALUATE jobs' })
  duringTraining?: boolean | null;
}
