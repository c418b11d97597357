// Gateway process: configuration, database, bus, then the app; stops cleanly on SIGTERM/SIGINT.

import { openDatabase } from '../prisma/db.js';
import { openBus } from '../schema/bus/open.js';
import { claimStart } from '../schema/setup.js';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';

const config = loadApiConfig();
const homeLock = await claimStart(config.settings); // exits on an unsupported setup or a busy XLING_HOME
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
    .then(() => homeLock?.release())
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
