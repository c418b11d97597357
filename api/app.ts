// The gateway process without its process concerns: HTTP (Apollo on Express) and WebSocket
// (graphql-ws) on one server at /graphql, the bus-to-PubSub bridge and the job outbox. Nothing
// listens or connects until start().

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Database } from '../prisma/db.js';
import type { Bus } from '../schema/bus.js';
import type { ApiConfig } from './config.js';
import type { ApiContext, GatewayServices } from './context.js';
import type { VectorStore } from '../schema/vectors/store.js';
import { createServing } from './collection/serving.js';
import { startExperimentSweeper } from './experiment/experiment-sweeper.js';
import { createDatasetCatalog, type DatasetCatalog } from './dataset/catalog.js';
import { withCoercionField } from './errors.js';
import { startOutbox } from './job/outbox.js';
import { bridgeEvents, createGatewayPubSub } from './pubsub.js';
import { buildGatewaySchema } from './schema.js';

export interface AppDeps {
  config: ApiConfig;
  db: Database;
  bus: Bus;
  log?: (line: string) => void;
  /** Defaults to a scan of config.settings.dataDir. */
  catalog?: DatasetCatalog;
  /** The vector store searches read; opened from the settings at first use when absent. */
  vectors?: VectorStore;
}

export interface App {
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
  readonly schema: GraphQLSchema;
  readonly services: GatewayServices;
}

export const GRAPHQL_PATH = '/graphql';

export function buildApp(deps: AppDeps): App {
  const { config, bus } = deps;
  const log = deps.log ?? ((line: string) => console.log(line));
  const pubSub = createGatewayPubSub();
  const schema = buildGatewaySchema(pubSub);
  const services: GatewayServices = {
    prisma: deps.db.prisma,
    bus,
    pubSub,
    catalog: deps.catalog ?? createDatasetCatalog(config.settings.dataDir),
    serving: createServing({ settings: config.settings, ...(deps.vectors ? { vectors: deps.vectors } : {}), log }),
    cwd: config.cwd,
    modelsDir: config.settings.modelsDir,
    importRoots: config.settings.importRoots,
    importMaxBytes: config.settings.importMaxBytes,
    log,
  };
  const context: ApiContext = { services };
  let stopRunning: (() => Promise<void>) | undefined;

  async function start(): Promise<{ url: string }> {
    if (stopRunning) throw new Error('gateway already started');
    const app = express();
    const httpServer = http.createServer(app);
    const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
    const wsServing = useServer<Record<string, unknown>>({ schema, context: () => ({ ...context }) }, wsServer);
    const apollo = new ApolloServer<ApiContext>({
      schema,
      formatError: withCoercionField,
      // main.ts owns the signals; Apollo's own handlers would re-raise SIGTERM mid-shutdown.
      stopOnTerminationSignals: false,
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer }),
        { serverWillStart: async () => ({ drainServer: () => wsServing.dispose() as Promise<void> }) },
      ],
    });
    await apollo.start();

    app.get('/healthz', (_req, res) => {
      services.prisma.$queryRaw`SELECT 1`.then(
        () => res.status(200).json({ status: 'ok' }),
        (error: unknown) => res.status(503).json({ status: 'unavailable', error: String(error) }),
      );
    });
    app.use(GRAPHQL_PATH, express.json({ limit: '1mb' }), expressMiddleware(apollo, { context: async () => ({ ...context }) }));

    const unbridge = bridgeEvents(bus.events, pubSub);
    try {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
    } catch (error) {
      unbridge();
      await apollo.stop();
      throw error;
    }
    const outbox = startOutbox({ prisma: services.prisma, bus, log, ...config.outbox });
    const sweeper = startExperimentSweeper({ prisma: services.prisma, bus, log }, Math.max(config.outbox.intervalMs, 1000));

    stopRunning = async () => {
      await outbox.stop();
      await sweeper.stop();
      unbridge();
      // Drains HTTP requests, then closes the WebSocket sessions (plugin above) and the server.
      await apollo.stop();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    };

    const { port } = httpServer.address() as AddressInfo;
    const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${GRAPHQL_PATH}`;
    log(`gateway listening on ${url}`);
    return { url };
  }

  async function stop(): Promise<void> {
    const running = stopRunning;
    stopRunning = undefined;
    await running?.();
    await services.serving.close();
  }

  return { start, stop, schema, services };
}
