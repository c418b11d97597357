// What every resolver receives. Services are built once per app by app.ts; the principal and the
// client address once per HTTP request or WebSocket connection. No resolver imports a service.

import type { PrismaClient } from '../prisma/generated/client.js';
import type { Bus } from '../schema/bus.js';
import type { GatewayMetrics } from './observability/metrics.js';
import type { Principal } from './auth/principal.js';
import type { CollectionLookup } from './collection/collection-cache.js';
import type { SearchStats } from './collection/search-stats.js';
import type { Workers } from './collection/workers.js';
import type { DatasetCatalog } from './dataset/catalog.js';
import type { GatewayPubSub } from './pubsub.js';
import type { RateLimiter } from './security/rate-limit.js';
import type { SecuritySettings } from './security/settings.js';

export interface GatewayServices {
  prisma: PrismaClient;
  bus: Bus;
  pubSub: GatewayPubSub;
  catalog: DatasetCatalog;
  /** What needs a model or the vector store (search, embed, registerModel, promoteCollection) is asked of the workers. */
  workers: Workers;
  /** Collection rows searches need, from memory after first use. */
  collections: CollectionLookup;
  /** Live-traffic language-bias counters, written to the database in the background. */
  searchStats: SearchStats;
  /** registerModel reads only inside it; relative paths resolve against it. */
  modelsDir: string;
  security: SecuritySettings;
  rateLimiter: RateLimiter;
  /** importDataset reads only inside these folders (IMPORT_ROOTS); relative paths resolve against the first. */
  importRoots: string[];
  /** Largest file importDataset reads (IMPORT_MAX_BYTES). */
  importMaxBytes: number;
  metrics: GatewayMetrics;
  /** From this many parameters a PRETRAINED run needs a GPU worker (GPU_REQUIRED_PARAMETERS). */
  gpuRequiredParameters: number;
  /** Admitted trainings not yet started, per worker class (TRAINING_QUEUE_DEPTH, schema/admission.ts). */
  trainingQueueDepth: number;
  log: (line: string) => void;
}

export interface ApiContext {
  services: GatewayServices;
  principal: Principal;
  /** Rate limits fall back to it when the gateway runs open. */
  clientAddress: string;
}
