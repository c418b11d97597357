// `npm start`: the whole platform in one process on embedded defaults — gateway and worker share
// an embedded Postgres (PGlite under XLING_HOME) and an in-process bus, so one machine works with
// no external service. Set DATABASE_URL and/or NATS_URL to use real ones instead.

import { loadApiConfig } from '../api/config.js';
import { dashboardBuilt } from '../api/dashboard/serve.js';
import { loadWorkerConfig } from '../gpu-worker/config.js';
import { refuseIfInUse } from '../schema/setup.js';
import { seedFromDemo } from './demo.js';
import { startPlatform } from './platform.js';

const apiConfig = loadApiConfig();
// A machine with only the clone: README's example runs on the demo bundle's sample.
await seedFromDemo(apiConfig.settings, (line) => console.log(line));
// XLING_HOME held by another process ends this one with that one line, not a stack trace.
const platform = await startPlatform(apiConfig, loadWorkerConfig(), (line) => console.log(line)).catch(refuseIfInUse);
const { settings } = apiConfig;
console.log(`xling is running (database: ${settings.database.kind}, bus: ${settings.bus.kind})`);
console.log(`GraphQL: ${platform.url}`);
if (dashboardBuilt()) console.log(`Dashboard: ${platform.url.replace(/\/graphql$/, '/')}`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  try {
    await platform.stop();
    process.exit(0);
  } catch (error) {
    console.error('shutdown failed', error);
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
