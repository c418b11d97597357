import { Field, Float, InputType, Int } from 'type-graphql';
import type { BatchStrategy, EvaluationSuite } from '../../schema/training.js';
import { BatchStrategyEnum, EvaluationSuiteEnum } from '../enums.js';
import { TrainingRunInput } from '../run/run.input.js';

@InputType({ description: 'Values per setting; the sweep runs every combination' })
export class SweepGridInput {
  @Field(() => [BatchStrategyEnum], { nullable: true }) strategy?: BatchStrategy[] | null;
  @Field(() => [Float], { nullable: true }) alpha?: number[] | null;
  @Field(() => [Int], { nullable: true, description: 'Training seeds' }) seed?: number[] | null;
  @Field(() => [Float], { nullable: true }) learningRate?: number[] | null;
  @Field(() => [Int], { nullable: true }) batchSize?: number[] | null;
  @Field(() => [Float], { nullable: true }) scale?: number[] | null;
  @Field(() => [Float], { nullable: true }) weightDecay?: number[] | null;
  @Field(() => [Int], { nullable: true }) warmupSteps?: number[] | null;
}

@InputType()
export class FloatRangeInput {
  @Field(() => Float) min!: number;
  @Field(() => Float) max!: number;
  @Field(() => Boolean, { nullable: true, description: 'Draw uniformly in log space (learning rates)' }) logScale?: boolean | null;
}

@InputType({ description: 'A seeded random draw: ranges for continuous settings, lists for the others' })
export class RandomSweepInput {
  @Field(() => Int, { description: 'Number of trials' }) trials!: number;
  @Field(() => Int, { nullable: true, description: 'Seed of the draw (default 0): the same input draws the same trials' }) samplerSeed?: number | null;
  @Field(() => FloatRangeInput, { nullable: true }) alpha?: FloatRangeInput | null;
  @Field(() => FloatRangeInput, { nullable: true }) learningRate?: FloatRangeInput | null;
  @Field(() => FloatRangeInput, { nullable: true }) scale?: FloatRangeInput | null;
  @Field(() => FloatRangeInput, { nullable: true }) weightDecay?: FloatRangeInput | null;
  @Field(() => [BatchStrategyEnum], { nullable: true }) strategy?: BatchStrategy[] | null;
  @Field(() => [Int], { nullable: true }) seed?: number[] | null;
  @Field(() => [Int], { nullable: true }) batchSize?: number[] | null;
  @Field(() => [Int], { nullable: true }) warmupSteps?: number[] | null;
}

@InputType()
export class SweepMetricInput {
  @Field(() => EvaluationSuiteEnum, { description: 'A retrieval suite among `evaluate`' }) suite!: EvaluationSuite;
  @Field(() => String, { nullable: true, description: 'mono, cross or multi (default multi)' }) setting?: string | null;
  @Field(() => String, { nullable: true, description: 'map, recall1, recall10, ndcg10 or mrr10 (default map)' }) metric?: string | null;
}

@InputType({ description: 'Median stopping on the validation loss (needs base.validationFraction > 0)' })
export class EarlyTerminationInput {
  @Field(() => Int, { nullable: true, description: 'Validations a trial makes before it can be stopped (default 2)' }) minValidations?: number | null;
  @Field(() => Int, { nullable: true, description: 'Other trials that must have reached the same step (default 2)' }) minTrials?: number | null;
}

@InputType()
export class StartSweepInput {
  @Field(() => String, { nullable: true, description: 'Default: "sweep <date and time>"' }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => TrainingRunInput, { description: 'What every trial shares; the grid or draw overrides its settings' }) base!: TrainingRunInput;
  @Field(() => SweepGridInput, { nullable: true, description: 'Exactly one of grid and random' }) grid?: SweepGridInput | null;
  @Field(() => RandomSweepInput, { nullable: true }) random?: RandomSweepInput | null;
  @Field(() => [EvaluationSuiteEnum], { nullable: true, description: 'Suites every finished trial is evaluated on (default: the metric\'s suite); trials never train on them' })
  evaluate?: EvaluationSuite[] | null;
  @Field(() => SweepMetricInput, { description: 'What trials are ranked by' }) metric!: SweepMetricInput;
  @Field(() => EarlyTerminationInput, { nullable: true, description: 'Omitted: every trial trains to its end' }) earlyTermination?: EarlyTerminationInput | null;
  @Field(() => Int, { nullable: true, description: 'Trials training at the same time at most (default 4)' }) maxParallel?: number | null;
  @Field(() => Int, { nullable: true, description: 'Bootstrap replicates of the intervals (default 1000)' }) bootstrap?: number | null;
  @Field(() => Int, { nullable: true, description: 'Evaluate the first N questions per language (default: all)' }) queriesPerLanguage?: number | null;
}
