// Reading dataset files, with a cache of parsed results. Parsing the QA files is most of the cost
// of loading (tens of MB of JSON), and a process loads the same files again and again: each run,
// and the evaluation sets both to train against and to check for leakage. Entries are keyed by
// path, size and modification time, so a changed file is read again.

import fs from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { nonRetryable } from '../../schema/jobs.js';

const gunzipAsync = promisify(gunzip);

export interface DataCache {
  /** The parsed content of `file` under `parser`, computed once per version of the file. */
  get<T>(parser: string, file: string, parse: (text: string) => T): Promise<T>;
}

/** Keep one per process (the worker's lifetime); without one, each load parses its files afresh. */
export function createDataCache(): DataCache {
  const entries = new Map<string, Promise<unknown>>();
  return {
    async get<T>(parser: string, file: string, parse: (text: string) => T): Promise<T> {
      const { size, mtimeMs } = await stat(file);
      const key = JSON.stringify([parser, file, size, mtimeMs]);
      let entry = entries.get(key) as Promise<T> | undefined;
      if (!entry) {
        entry = readText(file).then(parse, (err: Error) => {
          throw nonRetryable(`cannot read ${file}: ${err.message}`);
        });
        entries.set(key, entry);
        entry.catch(() => entries.delete(key));
      }
      return entry;
    },
  };
}

async function stat(file: string) {
  try {
    return await fs.stat(file);
  } catch (err) {
    throw nonRetryable(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** UTF-8 text of a file, gunzipped when its name ends in .gz. */
export async function readText(file: string): Promise<string> {
  const bytes = await fs.readFile(file);
  return (file.endsWith('.gz') ? await gunzipAsync(bytes) : bytes).toString('utf8');
}

export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw nonRetryable(`${file}: invalid JSON (${(err as Error).message})`);
  }
}

/** File names of a dataset folder, sorted; a missing folder is an error naming the dataset. */
export async function listFolder(folder: string, dataset: string): Promise<string[]> {
  try {
    return (await fs.readdir(folder)).sort();
  } catch (err) {
    throw nonRetryable(`dataset ${dataset}: cannot list ${folder} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
