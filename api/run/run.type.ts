import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { RunStatus } from '../../schema/events.js';
import type { BatchStrategy, EvaluationSuite, ModelFamily, Pooling, TokenizerName } from '../../schema/training.js';
import { BatchStrategyEnum, EvaluationSuiteEnum, ModelFamilyEnum, PoolingEnum, RunStatusEnum, TokenizerNameEnum } from '../enums.js';

@ObjectType('ModelConfig')
export class ModelConfig {
  @Field(() => ModelFamilyEnum)
  family!: ModelFamily;

  @Field(() => Int)
  dimension!: number;

  @Field(() => Int)
  layers!: number;

  @Field(() => Int)
  heads!: number;

  @Field(() => Int)
  maxLength!: number;

  @Field(() => Int)
  vocabularySize!: number;

  @Field(() => PoolingEnum)
  pooling!: Pooling;

  @Field(() => TokenizerNameEnum)
  tokenizer!: TokenizerName;

  @Field(() => Int)
  ffnDimension!: number;

  @Field(() => String, { nullable: true, description: 'PRETRAINED: the registered model the run started from' })
  baseModel?: string | null;
}

@ObjectType('HyperParameters')
export class HyperParametersConfig {
  @Field(() => Int)
  steps!: number;

  @Field(() => Int)
  batchSize!: number;

  @Field(() => Float)
  learningRate!: number;

  @Field(() => Float)
  weightDecay!: number;

  @Field(() => Int)
  warmupSteps!: number;

  @Field(() => Float, { description: 'Cosine similarities are multiplied by this before the softmax' })
  scale!: number;

  @Field(() => Int)
  logEvery!: number;

  @Field(() => Boolean)
  symmetricLoss!: boolean;

  @Field(() => Float, { description: '0: no clipping' })
  gradientClipNorm!: number;

  @Field(() => Float)
  validationFraction!: number;

  @Field(() => Int)
  validateEvery!: number;

  @Field(() => Int, { description: '0: no early stopping' })
  earlyStoppingPatience!: number;

  @Field(() => Int)
  checkpointEvery!: number;

  @Field(() => Int, { description: 'Checkpoints whose files are kept; older ones are pruned' })
  keepCheckpoints!: number;
}

@ObjectType({ description: 'One training run' })
export class Run {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Name of the API key that created it; "open" when the gateway ran without keys' })
  createdBy!: string | null;

  @Field(() => ID, { nullable: true })
  experimentId!: string | null;

  @Field(() => BatchStrategyEnum)
  strategy!: BatchStrategy;

  @Field(() => Float, { description: 'Probability of a monolingual batch' })
  alpha!: number;

  @Field(() => [String])
  trainDatasets!: string[];

  @Field(() => [String])
  languages!: string[];

  @Field(() => Int)
  seed!: number;

  @Field(() => [EvaluationSuiteEnum])
  evaluationSuites!: EvaluationSuite[];

  @Field(() => [String], { description: 'Imported evaluation suites the run never trains on the text of' })
  evaluationDatasets!: string[];

  @Field(() => ModelConfig)
  model!: ModelConfig;

  @Field(() => HyperParametersConfig)
  hyperParameters!: HyperParametersConfig;

  @Field(() => RunStatusEnum)
  status!: RunStatus;

  @Field(() => String, { nullable: true })
  backend!: string | null;

  @Field(() => Int, { nullable: true, description: 'startSweep and presets: the trial\'s index in its sweep' })
  trial!: number | null;

  @Field(() => String, { nullable: true, description: 'Why training ended before its last step: PATIENCE (early stopping) or MEDIAN_RULE (its sweep\'s early termination)' })
  stopReason!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Date)
  updatedAt!: Date;
}
