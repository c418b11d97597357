// registerModel and embed. Registration reads the folder's config and safetensors header only
// (inspectHfModel) and records what runs need to validate against; embedding loads the model in
// the gateway once (Serving.pretrained) and runs texts through it in small batches.

import path from 'node:path';
import { Prisma, type RegisteredModel as ModelRow } from '../../prisma/generated/client.js';
import type { EncodingRole } from '../../gpu-worker/encoding/checkpoint-encoder.js';
import { HfModelError } from '../../gpu-worker/encoding/hf/config.js';
import { embedWithHfModel } from '../../gpu-worker/encoding/hf/embed.js';
import type { Pooling } from '../../schema/training.js';
import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import { hidePaths, resolveConfined } from '../files/confined.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const MAX_EMBED_TEXTS = 256;

/** The one answer for a path outside MODELS_DIR, missing, or leading out through a symlink. */
export const NOT_A_MODEL_FOLDER = 'is not a folder inside the models folder (MODELS_DIR)';

/**
 * The folder must lie inside MODELS_DIR (symlinks and `..` included); it is recorded relative to
 * it, which each process resolves against its own MODELS_DIR.
 */
export async function registerModel(services: Pick<GatewayServices, 'prisma'>, modelsDir: string, input: { name: string; path: string }): Promise<ModelRow> {
  if (!NAME.test(input.name)) throw badUserInput('input.name', input.name, `must match ${NAME.source}`);
  if (await services.prisma.registeredModel.findUnique({ where: { name: input.name } })) {
    throw badUserInput('input.name', input.name, 'is already the name of a registered model');
  }
  if (input.path.trim() === '') throw badUserInput('input.path', input.path, 'is empty');
  const folder = await resolveConfined(input.path, [modelsDir]);
  if (!folder) throw badUserInput('input.path', input.path, NOT_A_MODEL_FOLDER);
  // Inside the root the problem may be told, but with the folder as users name it.
  const shown = (message: string) => hidePaths(message, [[folder.absolute, folder.relative], [folder.root, 'MODELS_DIR']]);
  const { inspectHfModel } = await import('../../gpu-worker/encoding/hf/model.js');
  const info = await inspectHfModel(folder.absolute).catch((error: unknown) => {
    if (error instanceof HfModelError) throw badUserInput('input.path', input.path, `is not a usable model folder: ${shown(error.message)}`);
    throw error;
  });
  if (!info.hasTokenizer) {
    throw badUserInput('input.path', input.path, `has no tokenizer.json: a registered model turns text into ids with it (expected ${path.join(folder.relative, 'tokenizer.json')})`);
  }
  const { config } = info;
  const created = services.prisma.registeredModel.create({
    data: {
      name: input.name,
      path: folder.relative,
      modelType: config.modelType,
      parameters: info.parameters,
      hiddenSize: config.hiddenSize,
      layers: config.layers,
      heads: config.heads,
      intermediateSize: config.intermediateSize,
      vocabSize: config.vocabSize,
      maxTokens: info.maxTokens,
      hasPooler: info.hasPooler,
      headerSha256: info.headerSha256,
    },
  });
  return created.catch((error: unknown) => {
    // A concurrent registration of the same name won.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw badUserInput('input.name', input.name, 'is already the name of a registered model');
    throw error;
  });
}

export interface EmbedArgs {
  model: string;
  texts: string[];
  role: EncodingRole;
  prefix: boolean;
  pooling: Pooling;
  normalize: boolean;
  maxLength?: number | null;
}

export async function embed(services: GatewayServices, args: EmbedArgs): Promise<number[][]> {
  const row = await services.prisma.registeredModel.findUnique({ where: { name: args.model } });
  if (!row) throw badUserInput('model', args.model, 'is not the name of a registered model');
  if (args.texts.length === 0 || args.texts.length > MAX_EMBED_TEXTS) {
    throw badUserInput('texts', args.texts.length, `texts given; give 1 to ${MAX_EMBED_TEXTS}`);
  }
  const maxLength = args.maxLength ?? row.maxTokens;
  if (!Number.isInteger(maxLength) || maxLength < 2 || maxLength > row.maxTokens) {
    throw badUserInput('maxLength', maxLength, `is not an integer in [2, ${row.maxTokens}] (the model's position table)`);
  }
  if (args.pooling === 'POOLER' && !row.hasPooler) throw badUserInput('pooling', args.pooling, `needs a pooler, which ${row.name} lacks; use MEAN or CLS`);
  const lease = await services.serving.pretrained(row.path);
  try {
    const vectors = await embedWithHfModel(lease.value, args.texts, { ...args, maxLength });
    return vectors.map((v) => Array.from(v));
  } finally {
    lease.release();
  }
}
