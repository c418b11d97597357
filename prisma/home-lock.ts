// One process per XLING_HOME: <home>/xling.pid holds the pid of the process using it. An embedded
// PGlite data directory opened by two processes at once is corrupted, and a second `npm start`
// would also requeue the first one's jobs as "left by the previous process" before failing on
// anything else, so the lock is taken before the database is opened or anything under home is
// touched.
//
// A lock whose pid no longer runs was left by a crash and is taken over. The check is by pid
// only: a stale lock whose pid has been reused by an unrelated process is refused (delete the
// file by hand), and processes in different pid namespaces (containers sharing a volume) cannot
// see each other's pids, so there one XLING_HOME volume must not be mounted into two containers
// that use it.

import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

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

export interface HomeLock {
  readonly file: string;
  /** Removes the pid file if it is still this process's; safe to call more than once. */
  release(): Promise<void>;
}

/** The path as the user would recognise it: relative to the working folder when inside it. */
function shownPath(home: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, home);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? home : relative;
}

// Locks this process holds. A pid file with our own pid that is not in here was left by an
// earlier process that had the same pid (pid 1 in every container start, typically): stale.
const held = new Set<string>();

/** Takes <home>/xling.pid for this process, or throws HomeInUseError naming the live holder. */
export async function lockHome(home: string): Promise<HomeLock> {
  const dir = path.resolve(home);
  const file = path.join(dir, LOCK_FILE);
  await mkdir(dir, { recursive: true });
  // The pid is written to a private file first and then linked into place: link() fails if the
  // lock exists (like O_EXCL) and the lock never appears half-written to a process reading it.
  const draft = `${file}.${process.pid}.tmp`;
  await writeFile(draft, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await link(draft, file);
        held.add(file);
        return createLock(file);
      } catch (error) {
        if (code(error) !== 'EEXIST') throw error;
      }
      const holder = await readPid(file);
      if (holder === 'missing') continue; // released meanwhile
      if (holder !== undefined && isAlive(holder, file)) throw new HomeInUseError(dir, holder);
      // Stale. Moved aside rather than deleted: of several processes taking over at once, exactly
      // one rename succeeds, and one that moved a lock taken over meanwhile can see so and put it back.
      const aside = `${file}.stale-${process.pid}`;
      try {
        await rename(file, aside);
      } catch (error) {
        if (code(error) === 'ENOENT') continue;
        throw error;
      }
      const moved = await readPid(aside);
      if (moved !== holder && typeof moved === 'number' && isAlive(moved, file)) {
        await link(aside, file).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        throw new HomeInUseError(dir, moved);
      }
      await unlink(aside).catch(() => undefined);
    }
    throw new Error(`could not take ${file}: it keeps changing`);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

function createLock(file: string): HomeLock {
  // Also dropped when the process exits without stop() (an uncaught error); a crash that skips
  // even this leaves a dead pid, which the next start takes over.
  const onExit = () => releaseSync(file);
  process.on('exit', onExit);
  return {
    file,
    async release() {
      process.off('exit', onExit);
      if (!held.delete(file)) return;
      if ((await readPid(file)) === process.pid) await unlink(file).catch(() => undefined);
    },
  };
}

function releaseSync(file: string): void {
  if (!held.delete(file)) return;
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/** The pid in a lock file; undefined when it holds no pid (damaged), 'missing' when there is no file. */
async function readPid(file: string): Promise<number | undefined | 'missing'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (code(error) === 'ENOENT') return 'missing';
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number, file: string): boolean {
  if (pid === process.pid) return held.has(file);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM'; // running, as another user
  }
}

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;
