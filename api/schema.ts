// The executable schema: every resolver, code-first. Also prints the SDL that is committed as
// schema/graphql/schema.graphql for clients and reviews.

// type-graphql reads decorator metadata while the classes below are defined, so this import
// must stay first; decorated modules are only ever loaded through this file.
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync, UseMiddleware, type NonEmptyArray } from 'type-graphql';
import { ApiKeyResolver } from './auth/api-key.resolver.js';
import { authChecker } from './auth/auth-checker.js';
import { guardRootFields } from './security/guard.js';
import { CollectionResolver } from './collection/collection.resolver.js';
import { DatasetResolver } from './dataset/dataset.resolver.js';
import { EvaluationResolver } from './evaluation/evaluation.resolver.js';
import { ExperimentResolver } from './experiment/experiment.resolver.js';
import { SweepResolver } from './sweep/sweep.resolver.js';
import { JobResolver } from './job/job.resolver.js';
import { ModelResolver } from './model/model.resolver.js';
import { createGatewayPubSub, type GatewayPubSub } from './pubsub.js';
import { CheckpointResolver } from './run/checkpoint.resolver.js';
import { ProgressResolver } from './run/progress.resolver.js';
import { RunResolver } from './run/run.resolver.js';
import { WorkerResolver } from './worker/worker.resolver.js';

export const RESOLVERS: NonEmptyArray<Function> = [
  ExperimentResolver,
  SweepResolver,
  RunResolver,
  CheckpointResolver,
  EvaluationResolver,
  ProgressResolver,
  JobResolver,
  WorkerResolver,
  DatasetResolver,
  CollectionResolver,
  ModelResolver,
  ApiKeyResolver,
];

// The guard runs after the auth check on every field of these classes: root fields, and field
// resolvers (where it passes straight through). Not as a global middleware: type-graphql would
// then also wrap every plain field of every object type in a chain of promises, 40 of them for
// the hits of one search.
for (const resolver of RESOLVERS) UseMiddleware(guardRootFields)(resolver as never);

/** Relative to the compiled file (dist/api/schema.js), the repository's schema/graphql folder. */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/graphql/schema.graphql', import.meta.url));

export function buildGatewaySchema(pubSub: GatewayPubSub): GraphQLSchema {
  // authMode 'error': a refused field is an error naming why, never a silent null.
  return buildSchemaSync({ resolvers: RESOLVERS, pubSub, validate: false, authChecker, authMode: 'error' });
}

const HEADER = '# Generated from api/ by `node dist/api/emit-schema.js`; do not edit.\n\n';

/** The SDL, sorted so that reordering code does not change the file. */
export function printGatewaySchema(schema: GraphQLSchema = buildGatewaySchema(createGatewayPubSub())): string {
  return HEADER + printSchema(lexicographicSortSchema(schema)) + '\n';
}

export async function emitSchema(file: string = SCHEMA_FILE): Promise<string> {
  const sdl = printGatewaySchema();
  await writeFile(file, sdl);
  return file;
}
