// Gateway process: configuration, database, bus, then the app; stops cleanly on SIGTERM/SIGINT.

import { openDatabase } from '../prisma/db.js';
import type { Bus } from '../schema/bus.js';
import { connectNatsBus } from '../schema/bus/nats.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import type { PlatformSettings } from '../schema/config.js';
import { assertNever } from '../schema/events.js';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';

async function openBus(settings: PlatformSettings): Promise<Bus> {
  const { maxDeliveries, ackWaitMs } = settings;
  switch (settings.bus.kind) {
    case 'nats':
      return connectNatsBus({ servers: settings.bus.servers, prefix: settings.bus.prefix, maxDeliveries, ackWaitMs });
    case 'memory':
      return createMemoryBus({ maxDeliveries, ackWaitMs });
    default:
      return assertNever(settings.bus);
  }
}

const config = loadApiConfig();
const db = await openDatabase(config.settings.database, { migrate: true });
const bus = await openBus(config.settings).catch(async (error: unknown) => {
  await db.close();
  throw error;
});
if (config.settings.bus.kind === 'memory') {
  console.log('bus: in-process memory bus; only workers inside this process receive jobs');
}
const app = buildApp({ config, db, bus });
await app.start();

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  app
    .stop()
    .then(() => bus.close())
    .then(() => db.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
