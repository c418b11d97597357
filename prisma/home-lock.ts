// One process per XLING_HOME: <home>/xling.pid holds the pid of the process using it. An embedded
// PGlite data directory opened by two processes at once is corrupted, and a second `npm start`
// would also requeue the first one's jobs as "left by the previous process" before failing on
// anything else, so the lock is taken before the database is opened or anything under home is
// touched.
//
// A lock whose pid no longer runs was left by a crash and is taken over (schema/pid-lock.ts); as
// processes in different pid namespaces cannot see each other's pids, one XLING_HOME volume must
// not be mounted into two containers that use it.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { lockPidFile, PidLockHeldError, type PidLock } from '../schema/pid-lock.js';

export const LOCK_FILE = 'xling.pid';

export class HomeInUseError extends Error {
  constructor(
    readonly home: string,
    readonly pid: number,
  ) {
    super(`XLING_HOME ${shownPath(home)} is already in use by pid ${pid}`);
    this.name = 'HomeInUseError';
  }
}

export type HomeLock = PidLock;

/** The path as the user would recognise it: relative to the working folder when inside it. */
function shownPath(home: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, home);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? home : relative;
}

/** Takes <home>/xling.pid for this process, or throws HomeInUseError naming the live holder. */
export async function lockHome(home: string): Promise<HomeLock> {
  const dir = path.resolve(home);
  await mkdir(dir, { recursive: true });
  try {
    return await lockPidFile(path.join(dir, LOCK_FILE));
  } catch (error) {
    if (error instanceof PidLockHeldError) throw new HomeInUseError(dir, error.pid);
    throw error;
  }
}
