import { Field, Float, ID, InputType, Int } from 'type-graphql';
import type { RunStatus } from '../../schema/events.js';
import type { BatchStrategy, ModelFamily, Pooling } from '../../schema/training.js';
import { BatchStrategyEnum, ModelFamilyEnum, PoolingEnum, RunStatusEnum } from '../enums.js';
import type { ModelInputData, TrainingRunInputData } from './training-input.js';

// No defaultValue in the decorators: omitted fields are filled from schema/training.ts by
// resolveTrainingInput, the single place where defaults apply.

@InputType()
export class ModelInput implements ModelInputData {
  @Field(() => ModelFamilyEnum, { nullable: true })
  family?: ModelFamily | null;

  @Field(() => Int, { nullable: true, description: 'Embedding width' })
  dimension?: number | null;

  @Field(() => Int, { nullable: true, description: '0 for BAG_OF_SUBWORDS; required for TRANSFORMER' })
  layers?: number | null;

  @Field(() => Int, { nullable: true })
  heads?: number | null;

  @Field(() => Int, { nullable: true, description: 'Tokens kept per text' })
  maxLength?: number | null;

  @Field(() => Int, { nullable: true })
  vocabularySize?: number | null;

  @Field(() => PoolingEnum, { nullable: true })
  pooling?: Pooling | null;
}

@InputType({ description: 'Omitted fields take the platform defaults' })
export class TrainingRunInput implements TrainingRunInputData {
  @Field(() => BatchStrategyEnum, { nullable: true })
  strategy?: BatchStrategy | null;

  @Field(() => Float, { nullable: true, description: 'HYBRID only: probability of a monolingual batch, in [0, 1]' })
  alpha?: number | null;

  @Field(() => [String], { nullable: true })
  trainDatasets?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'ISO 639-1 codes present in every training dataset' })
  languages?: string[] | null;

  @Field(() => ModelInput, { nullable: true })
  model?: ModelInput | null;

  @Field(() => Int, { nullable: true })
  steps?: number | null;

  @Field(() => Int, { nullable: true })
  batchSize?: number | null;

  @Field(() => Float, { nullable: true })
  learningRate?: number | null;

  @Field(() => Float, { nullable: true })
  weightDecay?: number | null;

  @Field(() => Int, { nullable: true })
  warmupSteps?: number | null;

  @Field(() => Float, { nullable: true, description: 'Similarity scale (1 / temperature)' })
  scale?: number | null;

  @Field(() => Int, { nullable: true, description: 'Metrics are recorded every this many steps' })
  logEvery?: number | null;

  @Field(() => Int, { nullable: true })
  seed?: number | null;

  @Field(() => ID, { nullable: true })
  experimentId?: string | null;

  @Field(() => String, { nullable: true, description: 'Repeating the mutation with the same key returns the same run' })
  idempotencyKey?: string | null;
}

@InputType()
export class RunFilter {
  @Field(() => ID, { nullable: true })
  experimentId?: string | null;

  @Field(() => RunStatusEnum, { nullable: true })
  status?: RunStatus | null;

  @Field(() => BatchStrategyEnum, { nullable: true })
  strategy?: BatchStrategy | null;
}
