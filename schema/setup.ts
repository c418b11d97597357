// Setups the platform refuses at start, with one line saying what is wrong and how to fix it,
// instead of starting and failing later on a request (or, worse, damaging another process's state).

import { HomeInUseError, lockHome, type HomeLock } from '../prisma/home-lock.js';
import type { PlatformSettings } from './config.js';

/**
 * Why a separate gateway or worker process (api/main.ts, gpu-worker/main.ts) must not start with
 * these settings; undefined when it may.
 *
 * With NATS_URL the gateway and the workers are separate processes, but the embedded vector store
 * (XLING_HOME/vectors) can be open in one process only: whichever of them opened it second would
 * answer every search or indexCorpus with "vector store ... is already open in process N". Only a
 * Qdrant server is shared. `npm start` (deploy/platform.ts) is not checked: its gateway and
 * worker are one process sharing one store, which works with NATS_URL too as long as no other
 * worker process takes its collection jobs.
 */
export function unsupportedSetup(settings: Pick<PlatformSettings, 'bus' | 'qdrantUrl'>): string | undefined {
  if (settings.bus.kind === 'nats' && !settings.qdrantUrl) {
    return (
      'NATS_URL is set (distributed mode) but QDRANT_URL is not: separate gateway and worker processes cannot share ' +
      'the embedded vector store. Set QDRANT_URL to a Qdrant server, or run `npm start` for the whole platform in one process.'
    );
  }
  return undefined;
}

/**
 * Start of api/main.ts and gpu-worker/main.ts, before anything is opened: refuses an unsupported
 * setup, and with the embedded database takes XLING_HOME (prisma/home-lock.ts) so that a second
 * process never opens the same PGlite folder. Exits 1 with the reason on one line when refused;
 * the lock returned (if any) is released after the database is closed.
 */
export async function claimStart(settings: Pick<PlatformSettings, 'bus' | 'qdrantUrl' | 'home' | 'database'>): Promise<HomeLock | undefined> {
  const problem = unsupportedSetup(settings);
  if (problem) refuseToStart(problem);
  if (settings.database.kind !== 'embedded') return undefined;
  return lockHome(settings.home).catch(refuseIfInUse);
}

/** For entry points: a refused setup is not a bug, so no stack trace, just the reason. */
export function refuseToStart(reason: string): never {
  console.error(`xling: not starting: ${reason}`);
  process.exit(1);
}

/** Passes on every error but HomeInUseError, which ends the process with its message. */
export function refuseIfInUse(error: unknown): never {
  if (error instanceof HomeInUseError) refuseToStart(error.message);
  throw error;
}
