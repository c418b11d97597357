// The worker process, minus process concerns: open the vector store, pick the TensorFlow.js
// backend, register in the Worker table, consume jobs, serve queries (search, embed, store calls)
// over the bus, route cancel events to running jobs. Queries have their own subscription, so they
// never wait in the job queue behind training. The database and bus belong to the caller (main.ts
// or the embedded platform), which closes them after stop().

import os from 'node:os';
import path from 'node:path';
import { classesOfBackend } from '../schema/capabilities.js';
import { MODEL_FAMILIES } from '../schema/training.js';
import type { Database } from '../prisma/db.js';
import type { Bus, JobConsumer, JobDelivery, ServingEndpoint } from '../schema/bus.js';
import { retryDelay, type WorkerConfig } from './config.js';
import { CAPABILITIES, createJobs, type Jobs } from './jobs/index.js';
import { createJobRunner, type JobRunner } from './jobs/runner.js';
import { createStatusStore } from './jobs/status.js';
import { continueExperiment } from './experiment/continue.js';
import { describeBackend, selectBackend } from './encoding/backend.js';
import { openVectorStore } from './vectors/open.js';
import type { VectorStore } from './vectors/store.js';
import { createQueryServer, type QueryServer } from './serving/query-server.js';
import { lazyLexicalQueries } from './lexical/setup.js';
import { tryAdmitTrainings } from '../schema/bus/admit-trainings.js';
import { deviceMemoryBytes } from './device-memory.js';
import { createRemoteStore } from './serving/store-calls.js';
import { createWorkerMetrics, serveMetrics, type MetricsServer, type WorkerMetrics } from './observability/metrics.js';

/** The host's memory, or the container's limit when lower (a pod sees its node's memory in os.totalmem()). */
function usableMemory(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  return limit > 0 ? Math.min(os.totalmem(), limit) : os.totalmem();
}


export interface WorkerDeps {
  config: WorkerConfig;
  /** Created here when absent; the embedded platform passes one without process metrics, which its gateway already reports. */
  metrics?: WorkerMetrics;
  db: Database;
  bus: Bus;
  log?: (line: string) => void;
  /** The vector store EMBED jobs write to and queries read; opened from the settings at start (and closed by stop) when absent. */
  vectors?: VectorStore;
}

export interface Worker {
  readonly metrics: WorkerMetrics;
  start(): Promise<void>;
  /** Stops taking jobs and aborts running ones WITHOUT settling them: they are redelivered. */
  stop(): Promise<void>;
}

export function buildWorker({ config, db, bus, vectors: sharedVectors, log = (line) => console.log(`[worker] ${line}`), ...deps }: WorkerDeps): Worker {
  const metrics = deps.metrics ?? createWorkerMetrics();
  let metricsServer: MetricsServer | undefined;
  const { prisma } = db;
  const { workerId, settings } = config;
  let consumer: JobConsumer | undefined;
  let interactiveConsumer: JobConsumer | undefined;
  let runner: JobRunner | undefined;
  let jobKinds: Jobs | undefined;
  let unsubscribe: (() => void) | undefined;
  let seenTimer: NodeJS.Timeout | undefined;
  let touching: Promise<unknown> | undefined;
  let ownVectors: VectorStore | undefined;
  let queryServer: QueryServer | undefined;
  let serving: ServingEndpoint | undefined;

  const touch = () => {
    metrics.heartbeat();
    touching ??= prisma.worker
      .update({ where: { id: workerId }, data: { lastSeen: new Date() } })
      .catch((err) => log(`lastSeen update failed: ${String(err)}`))
      .finally(() => (touching = undefined));
  };

  return {
    metrics,
    async start() {
      if (runner) throw new Error('worker already started');
      // First, before anything is written: a second worker on the same embedded store folder
      // fails here with the store's "already open in process N".
      const store =
        sharedVectors ??
        (config.vectorStore === 'remote'
          ? createRemoteStore(bus.serving, { timeoutMs: settings.servingTimeoutMs })
          : (ownVectors = await openVectorStore(settings)));
      const backend = await selectBackend({ ...(config.tfBackend ? { prefer: config.tfBackend } : {}), log });
      const now = new Date();
      const classes = config.workerClasses ?? classesOfBackend(backend.name);
      const device = await deviceMemoryBytes({ backend: backend.name, ...(config.deviceMemoryBytes !== undefined ? { configured: config.deviceMemoryBytes } : {}), log });
      const row = {
        capabilities: [...CAPABILITIES], backend: backend.name, startedAt: now, lastSeen: now,
        workerClasses: classes, hostMemoryBytes: BigInt(usableMemory()), deviceMemoryBytes: device === null ? null : BigInt(device), modelFamilies: [...MODEL_FAMILIES],
      };
      await prisma.worker.upsert({ where: { id: workerId }, create: { id: workerId, ...row }, update: row });
      metrics.heartbeat();

      const lexical = lazyLexicalQueries(settings.dataDir);
      jobKinds = createJobs({
        vectors: () => Promise.resolve(store),
        lexical,
        prisma,
        events: bus.events,
        dataDir: settings.dataDir,
        modelsDir: settings.modelsDir,
        checkpointDir: config.checkpointDir,
        reportsDir: config.reportsDir ?? path.join(settings.home, 'reports'),
        ...(config.dataMirror ? { dataMirror: config.dataMirror } : {}),
        backend: backend.name,
        observeTraining: (pairsPerSecond, stepSeconds) => metrics.training(pairsPerSecond, stepSeconds),
        lease: { idleTimeoutMs: settings.database.kind === 'postgres' ? settings.ackWaitMs / 2 : null },
        log,
      });
      const admission = { prisma, bus, log, trainingQueueDepth: settings.trainingQueueDepth };
      runner = createJobRunner({
        prisma,
        // Runs record the choice with its reason; the Worker row keeps the short name.
        status: createStatusStore({ prisma, events: bus.events, workerId, backend: describeBackend(backend) }),
        handlerFor: jobKinds.handlerFor,
        maxDeliveries: bus.maxDeliveries,
        heartbeatMs: settings.heartbeatMs,
        retryDelayMs: retryDelay(config),
        afterStarted: async (job) => {
          if (job.kind === 'TRAIN') await tryAdmitTrainings(admission);
        },
        afterSettled: async (job, status, error) => {
          metrics.jobEnded(job.id, job.kind, status);
          try {
            // Admission first and apart: a failure to chain the experiment must not hold trainings back.
            if (job.kind === 'TRAIN') await tryAdmitTrainings(admission);
            await continueExperiment(admission, job, status);
          } finally {
            // A notification: the Job row already holds the end, so a lost event loses nothing.
            try {
              bus.events.publish({ type: 'jobStatus', jobId: job.id, kind: job.kind, status, error, at: new Date().toISOString() });
            } catch (err) {
              log(`job ${job.id}: jobStatus event not sent: ${String(err)}`);
            }
          }
        },
        log,
      });
      const jobs = runner;
      unsubscribe = bus.events.subscribe((event) => {
        if (event.type === 'cancelRun') jobs.cancelRun(event.runId);
      });
      seenTimer = setInterval(touch, settings.heartbeatMs);
      if (config.concurrency > 0) {
        const handle = async (delivery: JobDelivery) => {
          const { jobId, kind } = delivery.message;
          metrics.jobStarted(jobId);
          try {
            await jobs.handle(delivery);
          } finally {
            // Settled deliveries were counted by afterSettled; the others run again or were duplicates.
            metrics.jobEnded(jobId, kind, 'unsettled');
          }
        };
        consumer = bus.jobs.consume(handle, { concurrency: config.concurrency, classes });
        // Slots of their own for interactive work, so an evaluation never waits for a training to end.
        const interactiveSlots = config.interactiveSlots ?? 1;
        if (classes.includes('interactive') && interactiveSlots > 0) {
          interactiveConsumer = bus.jobs.consume(handle, { concurrency: interactiveSlots, classes: ['interactive'] });
        }
      }
      // A remote store is another worker's, which serves its queries.
      if (config.serveQueries && store.kind !== 'remote') {
        const server = (queryServer = createQueryServer({
          vectors: store,
          modelsDir: settings.modelsDir,
          cachedEncoders: config.servingEncoders,
          batchWaitMs: config.servingBatchWaitMs,
          lexical,
          observeSearch: (modes, seconds) => metrics.search(modes, seconds),
        }));
        serving = bus.serving.serve((request) => server.handle(request));
      }
      const interactive = interactiveConsumer ? ` + ${config.interactiveSlots ?? 1} interactive` : '';
      const roles = [config.concurrency > 0 ? `jobs of class ${classes.join(', ')} (concurrency ${config.concurrency}${interactive})` : '', serving ? 'queries' : ''].filter(Boolean).join(' and ');
      if (config.metricsPort !== undefined) {
        const host = config.metricsHost ?? '127.0.0.1';
        metricsServer = await serveMetrics(metrics.registry, config.metricsPort, host);
        log(`metrics at http://${host}:${metricsServer.port}/metrics`);
      }
      log(`worker ${workerId} started (backend ${backend.name}, vector store ${store.kind}; takes ${roles})`);
    },

    async stop() {
      // Answers under way finish; new queries go to other workers.
      await serving?.stop();
      serving = undefined;
      queryServer?.close();
      queryServer = undefined;
      await Promise.all([consumer?.stop({ drain: false }), interactiveConsumer?.stop({ drain: false })]);
      consumer = undefined;
      interactiveConsumer = undefined;
      await runner?.shutdown();
      jobKinds?.close();
      unsubscribe?.();
      unsubscribe = undefined;
      clearInterval(seenTimer);
      await metricsServer?.close();
      metricsServer = undefined;
      await touching;
      await ownVectors?.close();
      ownVectors = undefined;
      log(`worker ${workerId} stopped`);
    },
  };
}
