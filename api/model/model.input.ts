import { Field, InputType } from 'type-graphql';

@InputType()
export class RegisterModelInput {
  @Field(() => String, { description: 'New name: letters, digits, _ . -; runs name it in baseModel, embed in model' })
  name!: string;

  @Field(() => String, {
    description:
      'Folder inside MODELS_DIR with config.json (model_type bert or xlm-roberta), model.safetensors and tokenizer.json: relative to MODELS_DIR, or absolute inside it. ' +
      'Recorded relative to MODELS_DIR; not copied: each worker reads it under its own MODELS_DIR.',
  })
  path!: string;
}
