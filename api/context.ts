// What every resolver receives. Built once per app by app.ts; no resolver imports a service.

import type { PrismaClient } from '../prisma/generated/client.js';
import type { Bus } from '../schema/bus.js';
import type { Serving } from './collection/serving.js';
import type { DatasetCatalog } from './dataset/catalog.js';
import type { GatewayPubSub } from './pubsub.js';

export interface GatewayServices {
  prisma: PrismaClient;
  bus: Bus;
  pubSub: GatewayPubSub;
  catalog: DatasetCatalog;
  /** Vector store and encoders for indexCorpus, promoteCollection and search. */
  serving: Serving;
  /** Relative importDataset paths are resolved against it. */
  cwd: string;
  /** Relative registered model paths are resolved against it. */
  modelsDir: string;
  /** importDataset reads only inside these folders (IMPORT_ROOTS); relative paths resolve against the first. */
  importRoots: string[];
  /** Largest file importDataset reads (IMPORT_MAX_BYTES). */
  importMaxBytes: number;
  log: (line: string) => void;
}

export interface ApiContext {
  services: GatewayServices;
}
