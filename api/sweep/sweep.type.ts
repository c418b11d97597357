import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Interval } from '../evaluation/report.type.js';
import { BatchStrategyEnum, EvaluationSuiteEnum, SweepTrialStateEnum } from '../enums.js';
import type { BatchStrategy, EvaluationSuite } from '../../schema/training.js';
import type { SweepTrialState } from './trial-state.js';

@ObjectType({ description: 'The settings of one trial (those the sweep varies, and the rest as the run has them)' })
export class SweepParamsValue {
  @Field(() => BatchStrategyEnum) strategy!: BatchStrategy;
  @Field(() => Float) alpha!: number;
  @Field(() => Int) seed!: number;
  @Field(() => Float) learningRate!: number;
  @Field(() => Int) batchSize!: number;
  @Field(() => Float) scale!: number;
  @Field(() => Float) weightDecay!: number;
  @Field(() => Int) warmupSteps!: number;
}

@ObjectType({ description: 'What trials are ranked by: a headline of one suite (higher is better)' })
export class SweepMetric {
  @Field(() => EvaluationSuiteEnum) suite!: EvaluationSuite;
  @Field(() => String, { description: 'mono, cross or multi' }) setting!: string;
  @Field(() => String, { description: 'map, recall1, recall10, ndcg10 or mrr10' }) metric!: string;
}

@ObjectType({ description: 'Median stopping on the validation loss' })
export class EarlyTermination {
  @Field(() => String, { description: 'MEDIAN' }) rule!: string;
  @Field(() => Int, { description: 'Validations a trial makes before it can be stopped' }) minValidations!: number;
  @Field(() => Int, { description: 'Other trials that must have reached the same step' }) minTrials!: number;
}

@ObjectType()
export class SweepTrial {
  @Field(() => Int, { description: 'Its place in the sweep (trials start in this order)' }) index!: number;
  @Field(() => ID) runId!: string;
  @Field(() => SweepTrialStateEnum) state!: SweepTrialState;
  @Field(() => SweepParamsValue) params!: SweepParamsValue;
  @Field(() => Int, { description: 'Latest recorded training step' }) step!: number;
  @Field(() => Int) totalSteps!: number;
  @Field(() => Float, { nullable: true, description: 'Lowest validation loss so far' }) bestValidationLoss!: number | null;
  @Field(() => String, { nullable: true, description: 'PATIENCE or MEDIAN_RULE when training ended before its last step' }) stopReason!: string | null;
  @Field(() => Interval, { nullable: true, description: 'The sweep metric with its 95% bootstrap interval, once evaluated' }) result!: Interval | null;
  @Field(() => Int, { nullable: true, description: '1 = best, among evaluated trials' }) rank!: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Its interval reaches the best trial\'s lower bound: the data do not tell it from the best' }) tiedWithBest!: boolean | null;
}

@ObjectType({ description: 'Trials by state' })
export class SweepCounts {
  @Field(() => Int) pending!: number;
  @Field(() => Int) running!: number;
  @Field(() => Int) evaluating!: number;
  @Field(() => Int) done!: number;
  @Field(() => Int) stoppedEarly!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) cancelled!: number;
}

@ObjectType({ description: 'A sweep: trials of one base run, at most maxParallel training at a time, stopped early by the median rule, ranked by one metric' })
export class Sweep {
  @Field(() => ID) experimentId!: string;
  @Field(() => String, { description: 'RUNNING, SUCCEEDED or FAILED' }) status!: string;
  @Field(() => String, { description: 'GRID, RANDOM, or PRESET (a study preset run as a sweep)' }) search!: string;
  @Field(() => [String], { description: 'The settings that differ between trials' }) varied!: string[];
  @Field(() => Int) maxParallel!: number;
  @Field(() => SweepMetric) metric!: SweepMetric;
  @Field(() => EarlyTermination, { nullable: true }) earlyTermination!: EarlyTermination | null;
  @Field(() => SweepCounts) counts!: SweepCounts;
  @Field(() => [SweepTrial], { description: 'In trial order' }) trials!: SweepTrial[];
  @Field(() => [SweepTrial], { description: 'Evaluated trials, best first' }) ranking!: SweepTrial[];
  @Field(() => Date) at!: Date;
}
