import { Field, Float, ID, InputType, Int } from 'type-graphql';
import type { RunStatus } from '../../schema/events.js';
import type { BatchStrategy, EvaluationSuite, ModelFamily, Pooling, TokenizerName } from '../../schema/training.js';
import { BatchStrategyEnum, EvaluationSuiteEnum, ModelFamilyEnum, PoolingEnum, RunStatusEnum, TokenizerNameEnum, TrainingRecipeEnum } from '../enums.js';
import type { ModelInputData, TrainingRunInputData } from '../../schema/training-validation.js';
import type { RecipeName } from '../../schema/recipes.js';

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

  @Field(() => Int, { nullable: true, description: 'Tokens kept per text, in [4, 512]' })
  maxLength?: number | null;

  @Field(() => Int, { nullable: true, description: 'Rows of the embedding table, in [16, 262144]: hash buckets (HASHED) or the most frequent pieces kept (XLM_R)' })
  vocabularySize?: number | null;

  @Field(() => PoolingEnum, { nullable: true })
  pooling?: Pooling | null;

  @Field(() => TokenizerNameEnum, { nullable: true })
  tokenizer?: TokenizerName | null;

  @Field(() => Int, { nullable: true, description: 'Feed-forward width of TRANSFORMER layers, in [1, 8192]' })
  ffnDimension?: number | null;
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

  @Field(() => TrainingRecipeEnum, {
    nullable: true,
    description: 'Settings chosen by measurement that fill every field left out (README, "CPU recipe"); name evaluationSuites yourself',
  })
  recipe?: RecipeName | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'A run that needs a GPU worker (a PRETRAINED model from GPU_REQUIRED_PARAMETERS parameters, default 100 M) may run on a CPU worker instead of waiting for one',
  })
  allowCpu?: boolean | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Queue priority among trainings, -10 to 10 (default 0): higher enters the work queue first; above 0 needs an admin key. At equal priority the key with the fewest trainings queued or running goes first',
  })
  priority?: number | null;

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

  @Field(() => Boolean, { nullable: true, description: 'Adds the passage-to-query InfoNCE term' })
  symmetricLoss?: boolean | null;

  @Field(() => Float, { nullable: true, description: 'Global-norm gradient clipping, >= 0; 0 turns it off' })
  gradientClipNorm?: number | null;

  @Field(() => Float, { nullable: true, description: 'Share of the groups held out for the validation loss, in [0, 0.5)' })
  validationFraction?: number | null;

  @Field(() => Int, { nullable: true, description: 'Validation loss every this many steps (and at the end), >= 1' })
  validateEvery?: number | null;

  @Field(() => Int, { nullable: true, description: 'Stop after this many validations without improvement; 0 turns it off' })
  earlyStoppingPatience?: number | null;

  @Field(() => Int, { nullable: true, description: 'A resumable checkpoint every this many steps, >= 1' })
  checkpointEvery?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Checkpoints whose files are kept, in [1, 100] (default 3): older ones are pruned, except the final one and those a collection serves. Each takes about 12 bytes per parameter',
  })
  keepCheckpoints?: number | null;

  @Field(() => [EvaluationSuiteEnum], {
    nullable: true,
    description: 'Suites the run is evaluated on; their datasets must be in the data folder, and training on one of them is refused',
  })
  evaluationSuites?: EvaluationSuite[] | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Imported evaluation suites (kind RETRIEVAL or BITEXT) the run will be evaluated on: training refuses any group that holds their queries, relevant passages or bitext sentences',
  })
  evaluationDatasets?: string[] | null;

  @Field(() => Int, { nullable: true })
  seed?: number | null;

  @Field(() => ID, { nullable: true })
  experimentId?: string | null;

  @Field(() => String, { nullable: true, description: 'Repeating the mutation with the same key returns the same run' })
  idempotencyKey?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'A registered model (registerModel) to fine-tune: the model family is PRETRAINED and its architecture comes from the model; model may set pooling and maxLength only',
  })
  baseModel?: string | null;
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
