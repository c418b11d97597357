import path from 'node:path';
import { Arg, Authorized, Ctx, FieldResolver, Float, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { EncodingRole } from '../../schema/serving.js';
import type { Pooling } from '../../schema/training.js';
import { MAX_LIST_ITEMS } from '../pagination.js';
import type { ApiContext } from '../context.js';
import { EncodingRoleEnum, PoolingEnum } from '../enums.js';
import { RegisterModelInput } from './model.input.js';
import { shownPath } from '../files/confined.js';
import { embed, MAX_EMBED_TEXTS, registerModel } from './model.service.js';
import { RegisteredModel } from './model.type.js';

// Every field here needs a key (any role); mutations below name the role they need on top.
@Authorized('reader')
@Resolver(() => RegisteredModel)
export class ModelResolver {
  @Query(() => [RegisteredModel], { description: 'Registered models by name' })
  models(@Ctx() { services }: ApiContext): Promise<RegisteredModel[]> {
    return services.prisma.registeredModel.findMany({ orderBy: { name: 'asc' }, take: MAX_LIST_ITEMS });
  }

  @Authorized('admin')
  @Mutation(() => RegisteredModel, { description: 'Checks a Hugging Face encoder folder (config and safetensors header, not the weights) and records it' })
  registerModel(@Arg('input', () => RegisterModelInput) input: RegisterModelInput, @Ctx() { services }: ApiContext): Promise<RegisteredModel> {
    return registerModel(services, services.modelsDir, input);
  }

  @FieldResolver(() => String, { description: 'Relative to MODELS_DIR of each process' })
  path(@Root() model: RegisteredModel, @Ctx() { services }: ApiContext): string {
    // Models registered before paths were confined may have recorded an absolute path.
    return path.isAbsolute(model.path) ? shownPath(model.path, [services.modelsDir]) : model.path;
  }

  @Query(() => [[Float]], { description: `Embeddings of 1 to ${MAX_EMBED_TEXTS} texts with a registered model, in the order given` })
  embed(
    @Arg('model', () => String, { description: 'A registered model name' }) model: string,
    @Arg('texts', () => [String]) texts: string[],
    @Arg('role', () => EncodingRoleEnum, { defaultValue: 'QUERY' }) role: EncodingRole,
    @Arg('prefix', () => Boolean, { defaultValue: true, description: 'Prepend "Query: " / "Passage: " as the platform’s fine-tuned models expect' }) prefix: boolean,
    @Arg('pooling', () => PoolingEnum, { defaultValue: 'MEAN' }) pooling: Pooling,
    @Arg('normalize', () => Boolean, { defaultValue: true, description: 'L2-normalise each vector' }) normalize: boolean,
    @Arg('maxLength', () => Int, { nullable: true, description: 'Tokens kept per text, special tokens included; default: all the model allows' }) maxLength: number | null,
    @Ctx() { services }: ApiContext,
  ): Promise<number[][]> {
    return embed(services, { model, texts, role, prefix, pooling, normalize, maxLength });
  }
}
