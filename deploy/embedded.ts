// `npm start`: the whole platform in one process on embedded defaults — gateway and worker share
// an embedded Postgres (PGlite under XLING_HOME) and an in-process bus, so one machine works with
// no external service. Set DATABASE_URL and/or NATS_URL to use real ones instead.

import { buildApp } from '../api/app.js';
import { loadApiConfig } from '../api/config.js';
import { buildWorker } from '../gpu-worker/app.js';
import { loadWorkerConfig } from '../gpu-worker/config.js';
import { openDatabase } from '../prisma/db.js';
import { openBus } from '../schema/bus/open.js';
import { openVectorStore } from '../schema/vectors/open.js';

const apiConfig = loadApiConfig();
const workerConfig = loadWorkerConfig();
const { settings } = apiConfig;

const db = await openDatabase(settings.database, { migrate: true });
const bus = await openBus(settings);
// The embedded vector store locks its folder for one store per process: gateway and worker share it.
const vectors = await openVectorStore(settings);
const worker = buildWorker({ config: workerConfig, db, bus, vectors, log: (line) => console.log(`[worker] ${line}`) });
const gateway = buildApp({ config: apiConfig, db, bus, vectors });

await worker.start();
const { url } = await gateway.start();
console.log(`xling is running (database: ${settings.database.kind}, bus: ${settings.bus.kind})`);
console.log(`GraphQL: ${url}`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  try {
    await gateway.stop();
    await worker.stop();
    await vectors.close();
    await bus.close();
    await db.close();
    process.exit(0);
  } catch (error) {
    console.error('shutdown failed', error);
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
