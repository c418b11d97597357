// A pid file as an exclusive lock between processes on one machine: XLING_HOME (prisma/home-lock.ts),
// an embedded vector store's folder, a dataset file being downloaded.
//
// A lock whose pid no longer runs was left by a crash and is taken over. The check is by pid
// only: a stale lock whose pid has been reused by an unrelated process is refused (delete the
// file by hand), and processes in different pid namespaces (containers sharing a volume) cannot
// see each other's pids.

import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class PidLockHeldError extends Error {
  constructor(
    readonly file: string,
    /** The live holder; this process's own pid when it already holds the lock. */
    readonly pid: number,
  ) {
    super(`${file} is held by ${pid === process.pid ? 'this process' : `process ${pid}`}`);
    this.name = 'PidLockHeldError';
  }
}

export interface PidLock {
  readonly file: string;
  /** Removes the pid file if it is still this process's; safe to call more than once. */
  release(): Promise<void>;
}

// Locks this process holds. A pid file with our own pid that is not in here was left by an
// earlier process that had the same pid (pid 1 in every container start, typically): stale.
const held = new Set<string>();

/** Takes `file` for this process, or throws PidLockHeldError naming the live holder. The folder must exist. */
export async function lockPidFile(given: string): Promise<PidLock> {
  // One spelling per file, so this process recognises its own lock however it is named.
  const file = path.resolve(given);
  // The pid is written to a private file first and then linked into place: link() fails if the
  // lock exists (like O_EXCL) and the lock never appears half-written to a process reading it.
  // Named per call, not per process: two callers in one process may race for the same lock.
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const draft = `${file}.${tag}.tmp`;
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
      if (holder !== undefined && isAlive(holder, file)) throw new PidLockHeldError(file, holder);
      // Stale. Moved aside rather than deleted: of several processes taking over at once, exactly
      // one rename succeeds, and one that moved a lock taken over meanwhile can see so and put it back.
      const aside = `${file}.stale-${tag}`;
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
        throw new PidLockHeldError(file, moved);
      }
      await unlink(aside).catch(() => undefined);
    }
    throw new Error(`could not take the lock ${path.basename(file)}: it keeps changing`);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

function createLock(file: string): PidLock {
  // Also dropped when the process exits without a release (an uncaught error); a crash that skips
  // even this leaves a dead pid, which the next taker takes over.
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
