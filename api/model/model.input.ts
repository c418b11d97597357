import { Field, InputType } from 'type-graphql';

@InputType()
export class RegisterModelInput {
  @Field(() => String, { description: 'New name: letters, digits, _ . -; runs name it in baseModel, embed in model' })
  name!: string;

  @Field(() => String, {
    description:
      'Folder with config.json (model_type bert or xlm-roberta), model.safetensors and tokenizer.json: absolute, or relative to MODELS_DIR. ' +
      'Not copied: workers read the same path (relative paths against their own MODELS_DIR).',
  })
  path!: string;
}
