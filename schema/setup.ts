// Setups the platform refuses at start, with one line saying what is wrong and how to fix it,
// instead of starting and failing later on a request (or, worse, damaging another process's state).

import { HomeInUseError, lockHome, type HomeLock } from '../prisma/home-lock.js';
import type { PlatformSettings } from './config.js';

/**
 * Start of api/main.ts and gpu-worker/main.ts, before anything is opened: with the embedded
 * database takes XLING_HOME (prisma/home-lock.ts) so that a second process never opens the same
 * PGlite folder. Exits 1 with the reason on one line when refused; the lock returned (if any) is
 * released after the database is closed. (A second worker on one embedded vector store is refused
 * by the store's own lock, gpu-worker/main.ts.)
 */
export async function claimStart(settings: Pick<PlatformSettings, 'home' | 'database'>): Promise<HomeLock | undefined> {
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
