// registerModel and embed. The gateway confines the folder to MODELS_DIR; a worker reads its
// config and safetensors header (inspectModel) and the gateway records what runs need to validate
// against. Embedding runs on a worker, which keeps the model loaded between calls.

import path from 'node:path';
import { Prisma, type RegisteredModel as ModelRow } from '../../prisma/generated/client.js';
import { decodeVector, type EncodingRole } from '../../schema/serving.js';
import type { Pooling } from '../../schema/training.js';
import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import { resolveConfined } from '../files/confined.js';
import { workerFailure } from '../collection/workers.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const MAX_EMBED_TEXTS = 256;

/** The one answer for a path outside MODELS_DIR, missing, or leading out through a symlink. */
export const NOT_A_MODEL_FOLDER = 'is not a folder inside the models folder (MODELS_DIR)';

/**
 * The folder must lie inside MODELS_DIR (symlinks and `..` included); it is recorded relative to
 * it, which each process resolves against its own MODELS_DIR.
 */
export async function registerModel(services: Pick<GatewayServices, 'prisma' | 'workers'>, modelsDir: string, input: { name: string; path: string }): Promise<ModelRow> {
  if (!NAME.test(input.name)) throw badUserInput('input.name', input.name, `must match ${NAME.source}`);
  if (await services.prisma.registeredModel.findUnique({ where: { name: input.name } })) {
    throw badUserInput('input.name', input.name, 'is already the name of a registered model');
  }
  if (input.path.trim() === '') throw badUserInput('input.path', input.path, 'is empty');
  const folder = await resolveConfined(input.path, [modelsDir]);
  if (!folder) throw badUserInput('input.path', input.path, NOT_A_MODEL_FOLDER);
  // The worker tells the problem with the folder as users name it, never its own paths.
  const reply = await services.workers.ask({ kind: 'inspectModel', path: folder.relative });
  if (!reply.ok) {
    if (reply.failure.kind === 'invalid') throw badUserInput('input.path', input.path, `is not a usable model folder: ${reply.failure.message}`);
    throw workerFailure(reply.failure);
  }
  const { hasTokenizer, ...info } = reply.value;
  if (!hasTokenizer) {
    throw badUserInput('input.path', input.path, `has no tokenizer.json: a registered model turns text into ids with it (expected ${path.join(folder.relative, 'tokenizer.json')})`);
  }
  const created = services.prisma.registeredModel.create({ data: { name: input.name, path: folder.relative, ...info } });
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
  const { model: _name, ...options } = args;
  const vectors = await services.workers.value({ kind: 'embed', model: row.path, ...options, maxLength });
  return vectors.map((v) => Array.from(decodeVector(v)));
}
