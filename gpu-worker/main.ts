// Worker process entry: configuration from the environment, database and bus from it, then the
// worker until SIGTERM/SIGINT. Running jobs are abandoned on a signal and redelivered elsewhere.

import { openDatabase } from '../prisma/db.js';
import type { Bus } from '../schema/bus.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import { connectNatsBus } from '../schema/bus/nats.js';
import type { BusSettings } from '../schema/config.js';
import { buildWorker } from './app.js';
import { loadWorkerConfig } from './config.js';

const log = (line: string) => console.log(`[worker] ${line}`);

async function openBus(bus: BusSettings, maxDeliveries: number, ackWaitMs: number): Promise<Bus> {
  switch (bus.kind) {
    case 'nats':
      return connectNatsBus({ servers: bus.servers, prefix: bus.prefix, maxDeliveries, ackWaitMs });
    case 'memory':
      log('no NATS_URL: in-process bus, so only jobs published in this process reach this worker');
      return createMemoryBus({ maxDeliveries, ackWaitMs });
  }
}

const config = loadWorkerConfig();
const { settings } = config;
// Postgres is migrated by `npm run db:migrate`; an embedded database belongs to this process.
const db = await openDatabase(settings.database, { migrate: settings.database.kind === 'embedded' });
const bus = await openBus(settings.bus, settings.maxDeliveries, settings.ackWaitMs);
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
    process.exit(0);
  } catch (err) {
    console.error('[worker] shutdown failed', err);
    process.exit(1);
  }
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await worker.start();
