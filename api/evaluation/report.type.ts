import { Retrieval } from '../retrieval/retrieval.type.js';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { Baseline } from '../../schema/evaluation.js';
import type { EvaluationSuite } from '../../schema/training.js';
import type { ImportedReportSuite } from '../../schema/imported-suites.js';
import { BaselineEnum, ReportSuiteEnum } from '../enums.js';

export type ReportSuite = EvaluationSuite | ImportedReportSuite;

@ObjectType({ description: 'An estimate with its 95% bootstrap interval over queries' })
export class Interval {
  @Field(() => Float)
  estimate!: number;

  @Field(() => Float)
  lo!: number;

  @Field(() => Float)
  hi!: number;
}

@ObjectType({ description: 'A headline number, e.g. mono.map, cross.recall10, multi.rankDistance' })
export class Headline extends Interval {
  @Field(() => String, { description: '<setting>.<metric>: settings mono, cross, multi; metrics map, recall1, recall10, ndcg10, mrr10, rankDistance' })
  name!: string;
}

@ObjectType()
export class LanguageMatrix {
  @Field(() => [String], { description: 'Row labels' })
  queryLanguages!: string[];

  @Field(() => [String], { description: 'Column labels; ["all"] in MULTI' })
  candidateLanguages!: string[];

  @Field(() => [[Float]], { nullable: 'items', description: '[query][candidate]; null where the report has no such pair' })
  values!: Array<Array<number | null>>;
}

@ObjectType({ description: 'Semantic alignment on XNLI, over ordered language pairs' })
export class AlignmentSummary {
  @Field(() => [String])
  languages!: string[];

  @Field(() => Float, { description: 'Mean translation-matching accuracy (bitext retrieval)' })
  meanTranslationAccuracy!: number;

  @Field(() => Float, { description: 'Mean cosine of translations over mean cosine of random pairs' })
  meanSimilarityIndex!: number;

  @Field(() => Float, { description: 'Mean linear CKA' })
  meanCka!: number;

  @Field(() => Interval, { description: 'mAP with every sentence of every language pooled' })
  pooledMap!: Interval;

  @Field(() => [[Float]], { description: '[a][b] over languages' })
  translationAccuracy!: number[][];

  @Field(() => [[Float]], { description: '[a][b] over languages' })
  cka!: number[][];
}

@ObjectType({ description: 'One evaluation of one target on one suite' })
export class EvaluationReport {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'The EVALUATE job that wrote it; null for validation during training' })
  jobId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The run evaluated, or validated during training' })
  runId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The checkpoint evaluated (for a run: its latest checkpoint at the time)' })
  checkpointId!: string | null;

  @Field(() => BaselineEnum, { nullable: true })
  baseline!: Baseline | null;

  @Field(() => ReportSuiteEnum)
  suite!: ReportSuite;

  @Field(() => String, { description: 'The suite\'s dataset; for IMPORTED_RETRIEVAL and IMPORTED_BITEXT the imported dataset\'s name' })
  dataset!: string;

  @Field(() => Int, { nullable: true, description: 'Training step of a validation during training; null for EVALUATE jobs' })
  step!: number | null;

  @Field(() => Int, { description: 'Queries evaluated (sentences for XNLI_ALIGNMENT)' })
  queries!: number;

  @Field(() => Boolean, { description: 'Computed on the demo bundle\'s sample of the suite (npm start without a data folder): not comparable with numbers on the full suite' })
  sampleSized!: boolean;

  @Field(() => [Headline], { description: 'Empty for XNLI_ALIGNMENT' })
  headlines!: Headline[];

  @Field(() => AlignmentSummary, { nullable: true, description: 'XNLI_ALIGNMENT only' })
  alignment!: AlignmentSummary | null;

  @Field(() => Retrieval, { nullable: true, description: 'How a retrieval suite was searched; null for XNLI_ALIGNMENT and for validations during training (DENSE)' })
  retrieval!: Retrieval | null;

  @Field(() => Date)
  createdAt!: Date;
}
