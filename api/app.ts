// The gateway process without its process concerns: HTTP (Apollo on Express) and WebSocket
// (graphql-ws) on one server at /graphql, the bus-to-PubSub bridge and the job outbox. Nothing
// listens or connects until start().

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Database } from '../prisma/db.js';
import type { Bus } from '../schema/bus.js';
import type { ApiConfig } from './config.js';
import type { ApiContext, GatewayServices } from './context.js';
import { createCollectionLookup, DEFAULT_ALIAS_TTL_MS } from './collection/collection-cache.js';
import { createSearchStats, DEFAULT_STATS_FLUSH_MS } from './collection/search-stats.js';
import { createWorkers } from './collection/workers.js';
import { startExperimentSweeper } from './experiment/experiment-sweeper.js';
import { createDatasetCatalog, type DatasetCatalog } from './dataset/catalog.js';
import { createAuthenticator } from './auth/principal.js';
import { createErrorFormatter, ErrorCode } from './errors.js';
import { apolloLimits } from './security/limits.js';
import { createRateLimiter } from './security/rate-limit.js';
import { serveWebSocket } from './security/websocket.js';
import { startOutbox } from './job/outbox.js';
import { reclaimAfterMs } from '../schema/bus/admit-trainings.js';
import { bridgeEvents, createGatewayPubSub } from './pubsub.js';
import { buildGatewaySchema } from './schema.js';
import { createGatewayMetrics } from './observability/metrics.js';
import { dashboardRouter } from './dashboard/serve.js';
import { DEFAULT_GPU_REQUIRED_PARAMETERS } from '../schema/capabilities.js';
import type { Registry } from 'prom-client';

export interface AppDeps {
  config: ApiConfig;
  db: Database;
  bus: Bus;
  log?: (line: string) => void;
  /** Defaults to a scan of config.settings.dataDir. */
  catalog?: DatasetCatalog;
  /** Served at /metrics after the gateway's own (the embedded platform's worker, in the same process). */
  moreMetrics?: readonly Registry[];
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
  const { security } = config;
  const services: GatewayServices = {
    prisma: deps.db.prisma,
    bus,
    pubSub,
    catalog: deps.catalog ?? createDatasetCatalog(config.settings.dataDir),
    workers: createWorkers(bus.serving, config.settings.servingTimeoutMs),
    collections: createCollectionLookup({ prisma: deps.db.prisma, aliasTtlMs: DEFAULT_ALIAS_TTL_MS }),
    searchStats: createSearchStats({ prisma: deps.db.prisma, flushMs: DEFAULT_STATS_FLUSH_MS, log }),
    modelsDir: config.settings.modelsDir,
    security,
    rateLimiter: createRateLimiter(security.rate),
    importRoots: config.settings.importRoots,
    importMaxBytes: config.settings.importMaxBytes,
    metrics: createGatewayMetrics({ prisma: deps.db.prisma, queueStats: () => bus.jobs.stats() }),
    gpuRequiredParameters: config.gpuRequiredParameters ?? DEFAULT_GPU_REQUIRED_PARAMETERS,
    trainingQueueDepth: config.settings.trainingQueueDepth,
    log,
  };
  const authenticator = createAuthenticator(services.prisma, security.auth);
  const formatError = createErrorFormatter({ development: security.development, log });
  let stopRunning: (() => Promise<void>) | undefined;

  async function start(): Promise<{ url: string }> {
    if (stopRunning) throw new Error('gateway already started');
    const app = express();
    app.disable('x-powered-by');
    app.use(services.metrics.httpMiddleware);
    const httpServer = http.createServer(app);
    const ws = serveWebSocket({ server: httpServer, path: GRAPHQL_PATH, schema, services, authenticator, security, formatError });
    const limits = apolloLimits(security.operations, security.introspection);
    const apollo = new ApolloServer<ApiContext>({
      schema,
      formatError,
      introspection: security.introspection,
      includeStacktraceInErrorResponses: security.development,
      validationRules: limits.validationRules,
      parseOptions: { maxTokens: security.operations.maxTokens },
      // Several operations in one POST would multiply every per-operation limit.
      allowBatchedHttpRequests: false,
      // main.ts owns the signals; Apollo's own handlers would re-raise SIGTERM mid-shutdown.
      stopOnTerminationSignals: false,
      plugins: [
        ...limits.plugins,
        services.metrics.apolloPlugin,
        // No cache hints are used (answers are per key and POSTed), and the default cache-control
        // plugin would wrap every field's resolver, the hits of each search included.
        ApolloServerPluginCacheControlDisabled(),
        subscriptionsOverWebSocketOnly,
        ApolloServerPluginDrainHttpServer({ httpServer }),
        { serverWillStart: async () => ({ drainServer: () => ws.dispose() }) },
      ],
    });
    await apollo.start();

    app.get('/healthz', (_req, res) => {
      services.prisma.$queryRaw`SELECT 1`.then(
        () => res.status(200).json({ status: 'ok' }),
        // Why the database is down is for the log, not for whoever can reach /healthz.
        (error: unknown) => {
          log(`healthz: database unavailable: ${String(error)}`);
          res.status(503).json({ status: 'unavailable' });
        },
      );
    });
    // Prometheus text format. Behind an API key like the API itself (any role: readers see the same
    // numbers through GraphQL); open when the gateway runs open.
    app.get('/metrics', (req, res) => {
      authenticator.principalOf(req.headers.authorization).then(async (principal) => {
        if (principal.kind === 'anonymous') {
          res.status(401).json({ errors: [{ message: 'an API key is required: send "Authorization: Bearer <key>"', extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
          return;
        }
        const registries = [services.metrics.registry, ...(deps.moreMetrics ?? [])];
        res.type(services.metrics.registry.contentType).send((await Promise.all(registries.map((r) => r.metrics()))).join('\n'));
      }).catch((error: unknown) => {
        log(`metrics: ${String(error)}`);
        res.status(503).json({ errors: [{ message: 'metrics unavailable', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
      });
    });
    app.use(
      GRAPHQL_PATH,
      express.json({ limit: security.maxBodyBytes }),
      expressMiddleware(apollo, {
        context: async ({ req }): Promise<ApiContext> => {
          const principal = await authenticator.principalOf(req.headers.authorization);
          if (principal.kind === 'anonymous') {
            throw new GraphQLError(principal.reason === 'invalid' ? 'the API key is unknown or revoked' : 'an API key is required: send "Authorization: Bearer <key>"', {
              extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
            });
          }
          return { services, principal, clientAddress: req.socket.remoteAddress ?? 'unknown' };
        },
      }),
    );
    // Body-parser and other middleware errors: JSON in the GraphQL error shape, never Express's HTML page.
    app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (res.headersSent) return next(error);
      const { status, code, message } = requestProblem(error, security.maxBodyBytes);
      res.status(status).json({ errors: [formatError({ message, extensions: { code } }, error)] });
    });
    const dashboard = dashboardRouter();
    if (dashboard) app.use(dashboard);
    app.use((_req, res) => {
      res.status(404).json({ errors: [{ message: `not found; the API is at ${GRAPHQL_PATH}${dashboard ? ', the dashboard at /' : ''}`, extensions: { code: ErrorCode.NOT_FOUND } }] });
    });

    // On NATS, events the gateway missed while cut off from it are read back from the database.
    const recovery = config.settings.bus.kind === 'nats' ? { prisma: services.prisma, log } : undefined;
    const unbridge = bridgeEvents(bus.events, pubSub, recovery);
    // A pull put files in place: the next datasets query scans the folder again.
    const unwatchPulls = bus.events.subscribe((event) => {
      if (event.type === 'jobStatus' && event.kind === 'PULL') services.catalog.invalidate();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
    } catch (error) {
      unbridge();
      unwatchPulls();
      await apollo.stop();
      throw error;
    }
    const outbox = startOutbox({
      prisma: services.prisma, bus, log, trainingQueueDepth: services.trainingQueueDepth, reclaimAfterMs: reclaimAfterMs(config.settings), ...config.outbox,
    });
    const sweeper = startExperimentSweeper({ prisma: services.prisma, bus, log }, Math.max(config.outbox.intervalMs, 1000));

    stopRunning = async () => {
      await outbox.stop();
      await sweeper.stop();
      unbridge();
      unwatchPulls();
      // Drains HTTP requests, then closes the WebSocket sessions (plugin above) and the server.
      await apollo.stop();
      await ws.close();
    };

    const { port } = httpServer.address() as AddressInfo;
    const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${GRAPHQL_PATH}`;
    log(`gateway listening on ${url}`);
    if (dashboard) log(`dashboard: ${url.slice(0, -GRAPHQL_PATH.length)}/`);
    log(`auth: ${security.auth === 'open' ? 'open' : 'API keys required'} (${security.authReason})`);
    if (security.authWarning) log(`WARNING: ${security.authWarning}`);
    return { url };
  }

  async function stop(): Promise<void> {
    const running = stopRunning;
    stopRunning = undefined;
    await running?.();
    // After the last request: counts of every search answered reach the database.
    await services.searchStats.stop();
  }

  return { start, stop, schema, services };
}

function requestProblem(error: unknown, maxBodyBytes: number): { status: number; code: ErrorCode; message: string } {
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.too.large':
      return { status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE, message: `request body is larger than ${maxBodyBytes} bytes` };
    case 'entity.parse.failed':
      return { status: 400, code: ErrorCode.BAD_REQUEST, message: 'request body is not valid JSON' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: ErrorCode.BAD_REQUEST, message: 'request body must be UTF-8 JSON' };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { status: 400, code: ErrorCode.BAD_REQUEST, message: 'request body could not be read' };
    default:
      return { status: 500, code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'internal error' };
  }
}

/** Over HTTP a subscription would run its resolver without a stream to feed; graphql-ws serves them. */
const subscriptionsOverWebSocketOnly: ApolloServerPlugin<ApiContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription') {
          throw new GraphQLError(`subscriptions run over WebSocket (graphql-transport-ws) at ${GRAPHQL_PATH}, not over HTTP`, {
            extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
          });
        }
      },
    };
  },
};
