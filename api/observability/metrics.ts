// The gateway's Prometheus metrics (prom-client), on one registry per gateway (no global
// default registry: tests run several gateways in a process). Label values come from bounded
// sets only: an operation is its one root field of the schema, "multiple" when it selects
// several (combinations would be unbounded), "invalid" when it does not validate; routes are the
// gateway's few paths, modes and statuses are enums.

import type { ApolloServerPlugin } from '@apollo/server';
import type express from 'express';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { jobClass, WORKER_CLASSES } from '../../schema/capabilities.js';
import type { PrismaClient } from '../../prisma/generated/client.js';
import type { QueueStats } from '../../schema/bus.js';

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Apollo plugin timing every HTTP operation by its root field and outcome. */
  readonly apolloPlugin: ApolloServerPlugin;
  /** Express middleware timing every HTTP request by route and status class. */
  readonly httpMiddleware: express.RequestHandler;
  /** One search answered by a worker, timed at the gateway (queueing, bus and worker included). */
  observeSearch(mode: string, seconds: number): void;
  subscriptionStarted(field: string): void;
  subscriptionEnded(field: string): void;
}

export interface GatewayMetricsDeps {
  prisma: PrismaClient;
  queueStats: () => Promise<QueueStats>;
}

/** Latencies from 1 ms (a cached lookup) to 60 s (an evaluation mutation under load). */
const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The root fields an operation selects, joined: bounded by the schema once validated. */
export function operationName(document: DocumentNode | undefined, name: string | null | undefined): { type: string; operation: string } {
  const operations = document?.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION) ?? [];
  const operation = name ? operations.find((o) => o.name?.value === name) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return { type: 'unknown', operation: 'invalid' };
  const fields = new Set(operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])));
  return { type: operation.operation, operation: fields.size === 1 ? [...fields][0]! : fields.size > 1 ? 'multiple' : 'invalid' };
}

/** Known paths keep their name; everything else (static assets, 404s) collapses into two values. */
function routeOf(path: string): string {
  if (path === '/graphql' || path === '/metrics' || path === '/healthz' || path === '/') return path;
  return path.startsWith('/assets/') ? '/assets' : 'other';
}

export function createGatewayMetrics(deps: GatewayMetricsDeps): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const http = new Histogram({
    name: 'xling_http_request_duration_seconds',
    help: 'HTTP requests to the gateway, by method, route and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const graphql = new Histogram({
    name: 'xling_graphql_operation_duration_seconds',
    help: 'GraphQL operations over HTTP, by type, root field ("multiple" for several, "invalid" when not valid) and outcome (ok, error)',
    labelNames: ['type', 'operation', 'outcome'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const search = new Histogram({
    name: 'xling_search_duration_seconds',
    help: 'Searches answered by the workers, timed at the gateway, by retrieval mode',
    labelNames: ['mode'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const subscriptions = new Gauge({
    name: 'xling_graphql_subscriptions_active',
    help: 'Subscriptions open over graphql-ws, by root field',
    labelNames: ['field'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'xling_jobs',
    help: 'Jobs in the database by kind and status',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      const rows = await deps.prisma.job.groupBy({ by: ['kind', 'status'], _count: { _all: true } }).catch(() => undefined);
      if (!rows) return; // the database is down: a scrape still answers, without this series
      this.reset();
      for (const row of rows) this.set({ kind: row.kind, status: row.status }, row._count._all);
    },
  });
  const queue = (name: string, help: string, pick: (s: QueueStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const stats = await deps.queueStats().catch(() => undefined);
        if (stats) this.set(pick(stats));
      },
    });
  queue('xling_job_queue_pending_messages', 'Jobs published and not yet delivered to a worker (JetStream consumer lag)', (s) => s.pending);
  queue('xling_job_queue_in_flight_messages', 'Jobs delivered to a worker and not yet acknowledged', (s) => s.inFlight);
  new Gauge({
    name: 'xling_trainings_held',
    help: 'TRAIN jobs waiting for admission to the work queue (schema/admission.ts), by worker class: demand the queue\'s lag does not show, for autoscalers',
    labelNames: ['worker_class'] as const,
    registers: [registry],
    async collect() {
      const rows = await deps.prisma.job.findMany({ where: { kind: 'TRAIN', status: 'QUEUED', publishedAt: null }, select: { requirements: true } }).catch(() => undefined);
      if (!rows) return;
      this.reset();
      // Every class reported, zero included: a scaler reading an absent series sees no demand but logs errors.
      for (const workerClass of WORKER_CLASSES) this.set({ worker_class: workerClass }, 0);
      for (const row of rows) this.inc({ worker_class: jobClass('TRAIN', row.requirements) });
    },
  });
  new Gauge({
    name: 'xling_workers_up',
    help: 'Workers whose last heartbeat is at most 60 s old',
    registers: [registry],
    async collect() {
      const up = await deps.prisma.worker.count({ where: { lastSeen: { gte: new Date(Date.now() - 60_000) } } }).catch(() => undefined);
      if (up !== undefined) this.set(up);
    },
  });

  return {
    registry,
    apolloPlugin: {
      async requestDidStart() {
        const started = performance.now();
        // Only a validated document names schema fields; anything else could carry any name.
        // didResolveOperation follows validation, also for documents Apollo cached validated.
        let valid = false;
        return {
          async didResolveOperation() {
            valid = true;
          },
          async willSendResponse({ document, request, errors, response }) {
            const { type, operation } = operationName(valid ? document : undefined, request.operationName);
            const failed = (errors?.length ?? 0) > 0 || (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
            graphql.observe({ type, operation, outcome: failed ? 'error' : 'ok' }, (performance.now() - started) / 1000);
          },
        };
      },
    },
    httpMiddleware(req, res, next) {
      const started = performance.now();
      // Read now: mounted handlers (the GraphQL path) rewrite req.url while they run.
      const route = routeOf(req.path);
      const method = req.method === 'GET' || req.method === 'POST' ? req.method : 'other';
      res.once('finish', () => {
        http.observe({ method, route, status: `${Math.floor(res.statusCode / 100)}xx` }, (performance.now() - started) / 1000);
      });
      next();
    },
    observeSearch: (mode, seconds) => search.observe({ mode }, seconds),
    subscriptionStarted: (field) => subscriptions.inc({ field }),
    subscriptionEnded: (field) => subscriptions.dec({ field }),
  };
}
