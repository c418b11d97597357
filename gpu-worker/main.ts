// Worker process entry: configuration from the environment, database and bus from it, then the
// worker until SIGTERM/SIGINT. Running jobs are abandoned on a signal and redelivered elsewhere.

import { openDatabase } from '../prisma/db.js';
import { openBus } from '../schema/bus/open.js';
import { claimStart, refuseToStart } from '../schema/setup.js';
import { buildWorker } from './app.js';
import { loadWorkerConfig } from './config.js';
import { VectorStoreError } from './vectors/store.js';

const log = (line: string) => console.log(`[worker] ${line}`);

const config = loadWorkerConfig();
const { settings } = config;
const homeLock = await claimStart(settings); // exits on an unsupported setup or a busy XLING_HOME
// Migrating is idempotent and serialised by an advisory lock, so a worker that starts before any
// gateway still finds its tables.
const db = await openDatabase(settings.database, { migrate: true });
if (settings.bus.kind === 'memory') log('no NATS_URL: in-process bus, so only jobs published in this process reach this worker');
const bus = await openBus(settings);
const worker = buildWorker({ config, db, bus, log });

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  try {
    await worker.stop();
    await bus.close();
    await db.close();
    await homeLock?.release();
    process.exit(0);
  } catch (err) {
    console.error('[worker] shutdown failed', err);
    process.exit(1);
  }
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await worker.start().catch(async (error: unknown) => {
  if (!(error instanceof VectorStoreError && error.kind === 'store-locked')) throw error;
  // The store is opened first, so nothing was written: close what is open and say what to do.
  await bus.close();
  await db.close();
  await homeLock?.release();
  refuseToStart(
    `${error.message}. One worker owns an embedded vector store: start further workers with VECTOR_STORE=remote ` +
      '(they reach it over the bus), or set QDRANT_URL so that every worker shares a Qdrant server.',
  );
});
