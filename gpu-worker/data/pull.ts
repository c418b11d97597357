// Puts a dataset's files into the data folder as the manifest records them (schema/data-manifest.ts):
// downloaded from the pinned commit on GitHub or from a mirror (a base URL or a local folder),
// resumed with HTTP ranges after an interruption, retried with backoff, checked against the
// manifest's sha256, and moved into place only once verified — a reader never sees a partial or
// corrupted file under its final name.
//
// The partial download lives beside its target as `<file>.part`; `<file>.lock` (created
// exclusively, holding the owner's pid) makes concurrent pulls of one file, in this process or
// another, wait for the first instead of downloading twice.

import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileState, sha256Of } from '../../schema/data-files.js';
import { sourceOf, type ManifestFile } from '../../schema/data-sources.js';
import { lockPidFile, PidLockHeldError, type PidLock } from '../../schema/pid-lock.js';


export interface PullOptions {
  dataDir: string;
  /** DATA_MIRROR: a base URL or a local folder laid out as the data folder; null: GitHub. */
  mirror: string | null;
  /** Abort a transfer that receives nothing for this long (then retry, resuming). */
  idleTimeoutMs?: number;
  /** Attempts per file (transfers and checksum failures alike). */
  attempts?: number;
  /** First retry delay; doubled each time. */
  backoffMs?: number;
  onProgress?: (progress: { file: string; received: number; total: number }) => void;
  signal?: AbortSignal;
  /** For tests. */
  fetch?: typeof fetch;
}

export interface PulledFile {
  file: string;
  /** already: present and verified before the pull; downloaded: fetched now (bytes: fetched in this call). */
  outcome: 'already' | 'downloaded';
  bytes: number;
}

/**
 * A file could not be put in place. `reason` names no path or address, so it can be shown to
 * callers; `where` (the mirror folder or URL tried) is for the operator's log and terminal.
 * `transient`: every attempt ended in a transfer failure (connection, timeout, 5xx) and its `.part`
 * is kept so a later pull resumes; otherwise retrying will not fix it (missing at the source, a
 * checksum that never matches) and nothing is left.
 */
export class PullError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly where: string | null,
    readonly transient = false,
  ) {
    super(where ? `${file} (${where}): ${reason}` : `${file}: ${reason}`);
    this.name = 'PullError';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** A transfer failure worth another attempt (connection reset, idle timeout, 5xx, 429). */
class TransientError extends Error {}

export function createPuller(options: PullOptions) {
  const { dataDir, mirror, idleTimeoutMs = 30_000, attempts = 4, backoffMs = 500, onProgress, signal } = options;
  const fetchImpl = options.fetch ?? fetch;
  const inFlight = new Map<string, Promise<PulledFile>>();

  /** Appends the rest of the file to `part` from `offset` on; returns the bytes written. */
  async function transfer(f: ManifestFile, part: string, offset: number): Promise<number> {
    const source = sourceOf(f, mirror);
    if (source.kind === 'folder') {
      const size = await stat(source.path).then((s) => s.size, () => null);
      if (size === null) throw new PullError(f.file, 'not in the mirror folder', source.path);
      const out = await open(part, offset > 0 && offset <= size ? 'a' : 'w');
      let written = 0;
      try {
        const start = offset > 0 && offset <= size ? offset : 0;
        for await (const chunk of createReadStream(source.path, { start })) {
          await out.write(chunk as Buffer);
          written += (chunk as Buffer).length;
          onProgress?.({ file: f.file, received: start + written, total: f.size });
        }
      } finally {
        await out.close();
      }
      return written;
    }
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new TransientError(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    };
    arm();
    try {
      let response: Response;
      try {
        response = await fetchImpl(source.url, { signal: controller.signal, headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new TransientError(`request failed: ${(error as Error).message}`);
      }
      if (response.status === 404) throw new PullError(f.file, 'not found at its source (HTTP 404)', source.url);
      if (response.status >= 500 || response.status === 429) throw new TransientError(`HTTP ${response.status}`);
      if (response.status !== 200 && response.status !== 206) throw new PullError(f.file, `HTTP ${response.status} from its source`, source.url);
      // A server that ignores the range sends the whole file: start over.
      const start = response.status === 206 ? offset : 0;
      const out = await open(part, start > 0 ? 'a' : 'w');
      let written = 0;
      try {
        const reader = response.body?.getReader();
        if (!reader) throw new TransientError('empty response body');
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            if (signal?.aborted) throw error;
            throw new TransientError(`transfer interrupted: ${(error as Error).message}`);
          }
          if (chunk.done) break;
          arm();
          await out.write(chunk.value);
          written += chunk.value.length;
          onProgress?.({ file: f.file, received: start + written, total: f.size });
        }
      } finally {
        await out.close();
      }
      return written;
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function download(f: ManifestFile): Promise<PulledFile> {
    const target = path.join(dataDir, f.file);
    const part = `${target}.part`;
    let fetched = 0;
    let lastProblem = '';
    let transient = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(backoffMs * 2 ** (attempt - 2), signal);
      const have = await stat(part).then((s) => s.size, () => 0);
      // Longer than the file: not a prefix of it.
      const offset = have > f.size ? 0 : have;
      try {
        if (offset < f.size) fetched += await transfer(f, part, offset);
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        lastProblem = error.message;
        transient = true;
        continue;
      }
      transient = false;
      const size = await stat(part).then((s) => s.size, () => 0);
      if (size === f.size && (await sha256Of(part)) === f.sha256) {
        await rename(part, target);
        return { file: f.file, outcome: 'downloaded', bytes: fetched };
      }
      lastProblem = size === f.size ? 'sha256 does not match the manifest' : `${size} bytes where the manifest says ${f.size}`;
      await rm(part, { force: true });
    }
    const from = `from ${mirror ?? 'its GitHub source'}`;
    if (transient) throw new PullError(f.file, `${lastProblem} after ${attempts} attempts; the partial file is kept for the next pull to resume`, from, true);
    await rm(part, { force: true });
    throw new PullError(f.file, `${lastProblem} after ${attempts} attempts; nothing was written`, from);
  }

  /** Waits for another process's lock on `lock` to go, taking it over when its owner is dead. */
  async function acquire(file: string): Promise<PidLock> {
    for (;;) {
      try {
        return await lockPidFile(file);
      } catch (error) {
        if (!(error instanceof PidLockHeldError)) throw error;
      }
      await sleep(100, signal);
    }
  }

  async function pullOne(f: ManifestFile): Promise<PulledFile> {
    const target = path.join(dataDir, f.file);
    if ((await fileState(dataDir, f)) === 'present') return { file: f.file, outcome: 'already', bytes: 0 };
    await mkdir(path.dirname(target), { recursive: true });
    const lock = await acquire(`${target}.lock`);
    try {
      // Another process may have finished it while this one waited.
      if ((await fileState(dataDir, f)) === 'present') return { file: f.file, outcome: 'already', bytes: 0 };
      return await download(f);
    } finally {
      await lock.release();
    }
  }

  return {
    /** Each file once per process however many callers ask at the same time. */
    pull(f: ManifestFile): Promise<PulledFile> {
      let pending = inFlight.get(f.file);
      if (!pending) {
        pending = pullOne(f).finally(() => inFlight.delete(f.file));
        inFlight.set(f.file, pending);
      }
      return pending;
    },
  };
}
