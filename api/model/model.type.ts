import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A Hugging Face encoder folder registered with registerModel: runs may start from it, embed uses it' })
export class RegisteredModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'Relative to MODELS_DIR of each process' })
  path!: string;

  @Field(() => String, { description: 'config.json model_type: bert, xlm-roberta or roberta' })
  modelType!: string;

  @Field(() => Int, { description: 'Parameters of the encoder (embeddings, layers, pooler)' })
  parameters!: number;

  @Field(() => Int)
  hiddenSize!: number;

  @Field(() => Int)
  layers!: number;

  @Field(() => Int)
  heads!: number;

  @Field(() => Int)
  intermediateSize!: number;

  @Field(() => Int)
  vocabSize!: number;

  @Field(() => Int, { description: 'Longest input, special tokens included' })
  maxTokens!: number;

  @Field(() => Boolean, { description: 'Has BERT’s pooler (dense + tanh on CLS), needed by pooling POOLER' })
  hasPooler!: boolean;

  @Field(() => Date)
  createdAt!: Date;
}
