// The data of the evaluation suites, read once per worker: every evaluation and every periodic
// validation during training asks for the same few benchmarks. A failed read is forgotten, so
// a retry reads the files again.

import type { EvaluationSuite } from '../../schema/training.js';
import { buildRetrievalBenchmark, type RetrievalBenchmark, type RetrievalBenchmarkName } from './benchmark.js';
import { loadXnliSentences, type XnliSentences } from './xnli.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseIdPaired, type BitextSet } from '../../schema/bitext-format.js';
import { nonRetryable } from '../../schema/jobs.js';
import type { ImportedSuite } from '../../schema/imported-suites.js';
import { loadImportedSuite, type LoadedSuite } from './imported-suite.js';

/** The retrieval benchmark of a suite; null for XNLI_ALIGNMENT and BUCC2018, which are not retrieval suites. */
export function retrievalBenchmarkOf(suite: EvaluationSuite): RetrievalBenchmarkName | null {
  switch (suite) {
    case 'XQUAD_R':
      return 'xquad-r';
    case 'MLQA_R':
      return 'mlqa-r';
    case 'XNLI_ALIGNMENT':
    case 'BUCC2018':
      return null;
    default:
      return suite satisfies never;
  }
}

export interface SuiteData {
  retrieval(name: RetrievalBenchmarkName): Promise<RetrievalBenchmark>;
  /** XNLI dev premises in its 15 languages (xnli.ts defaults). */
  xnli(): Promise<XnliSentences>;
  /** BUCC 2018 zh-en dev: 8,624 Chinese and 13,589 English sentences, 257 gold pairs. */
  bucc(): Promise<BitextSet>;
  /** An imported suite, read once per version of its files. */
  imported(suite: ImportedSuite): Promise<LoadedSuite>;
  /** Forget what was read: a pull replaced files of the data folder. */
  clear(): void;
}

/** The BUCC 2018 files of the data folder as a bitext set (schema/bitext-format.ts, id-paired). */
export async function loadBucc(dataDir: string): Promise<BitextSet> {
  const read = (suffix: string) => readFile(path.join(dataDir, 'bucc2018', `zh-en.dev.${suffix}`), 'utf8');
  const parsed = parseIdPaired(['zh', 'en'], await read('zh'), await read('en'), await read('gold'));
  if ('errors' in parsed) throw nonRetryable(`bucc2018: ${parsed.errors.slice(0, 3).map((e) => `${e.file} line ${e.line}: ${e.message}`).join('; ')}`);
  return parsed.set;
}

/** Imported suites kept read, most recently used first. */
export const KEPT_IMPORTED_SUITES = 4;

export function createSuiteData(dataDir: string): SuiteData {
  const loaded = new Map<string, Promise<unknown>>();
  let importedKeys: string[] = [];
  function once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let promise = loaded.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = load();
      loaded.set(key, promise);
      promise.catch(() => loaded.delete(key));
    }
    return promise;
  }
  return {
    retrieval: (name) => once(name, () => buildRetrievalBenchmark(dataDir, name)),
    xnli: () => once('xnli', () => loadXnliSentences(dataDir)),
    bucc: () => once('bucc2018', () => loadBucc(dataDir)),
    imported(suite) {
      const key = `imported:${suite.name}:${suite.files.map((f) => f.sha256).join(',')}`;
      // Users may import many suites: only the most recently used few stay in memory.
      importedKeys = [key, ...importedKeys.filter((k) => k !== key)];
      for (const old of importedKeys.splice(KEPT_IMPORTED_SUITES)) loaded.delete(old);
      return once(key, () => loadImportedSuite(suite));
    },
    clear: () => loaded.clear(),
  };
}
