// The whole platform in this process: gateway and worker sharing one database connection and one
// bus (embedded defaults unless DATABASE_URL / NATS_URL / QDRANT_URL say otherwise); the worker
// opens the vector store and answers the gateway's searches over the bus, as separate processes
// do. `npm start` and the experiment CLI run it. With NATS_URL and the embedded store, further
// worker processes join with VECTOR_STORE=remote.

import { buildApp } from '../api/app.js';
import type { ApiConfig } from '../api/config.js';
import { buildWorker } from '../gpu-worker/app.js';
import { createWorkerMetrics } from '../gpu-worker/observability/metrics.js';
import type { WorkerConfig } from '../gpu-worker/config.js';
import { openDatabase } from '../prisma/db.js';
import type { PrismaClient } from '../prisma/generated/client.js';
import { lockHome } from '../prisma/home-lock.js';
import { openBus } from '../schema/bus/open.js';

export interface RunningPlatform {
  url: string;
  stop(): Promise<void>;
}

export async function startPlatform(apiConfig: ApiConfig, workerConfig: WorkerConfig, log: (line: string) => void): Promise<RunningPlatform> {
  const { settings } = apiConfig;
  // Before anything is opened: a second platform on this XLING_HOME would open the same embedded
  // database and requeue this one's running jobs as orphans (below) before failing on the vector
  // store. Taken whatever the database is, since the vector store and checkpoints live here too.
  // Throws HomeInUseError (its message names the pid holding it).
  const homeLock = await lockHome(settings.home);
  try {
    const db = await openDatabase(settings.database, { migrate: true });
    if (settings.bus.kind === 'memory') await requeueOrphanedJobs(db.prisma, log);
    const bus = await openBus(settings);
    // One process: the gateway's /metrics reports the worker too, and the process once.
    const metrics = createWorkerMetrics(undefined, { processMetrics: false });
    const worker = buildWorker({ config: workerConfig, db, bus, metrics, log: (line) => log(`[worker] ${line}`) });
    const gateway = buildApp({ config: apiConfig, db, bus, log, moreMetrics: [metrics.registry] });
    await worker.start();
    const { url } = await gateway.start();
    return {
      url,
      async stop() {
        await gateway.stop();
        await worker.stop();
        await bus.close();
        await db.close();
        await homeLock.release();
      },
    };
  } catch (error) {
    await homeLock.release();
    throw error;
  }
}

/**
 * The in-process bus lives and dies with this process: jobs it held when the previous process
 * stopped (queued, or running on its worker) are in no queue. Marked unpublished and queued, the
 * outbox publishes them again; a TRAIN job resumes from its latest checkpoint.
 */
async function requeueOrphanedJobs(prisma: PrismaClient, log: (line: string) => void): Promise<void> {
  const { count } = await prisma.job.updateMany({ where: { status: { in: ['QUEUED', 'RUNNING'] } }, data: { status: 'QUEUED', publishedAt: null } });
  await prisma.run.updateMany({ where: { status: 'RUNNING' }, data: { status: 'QUEUED' } });
  if (count > 0) log(`in-process bus: ${count} job(s) left by the previous process are queued again`);
}
