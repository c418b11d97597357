// The data of the evaluation suites, read once per worker: every evaluation and every periodic
// validation during training asks for the same few benchmarks. A failed read is forgotten, so
// a retry reads the files again.

import type { EvaluationSuite } from '../../schema/training.js';
import { buildRetrievalBenchmark, type RetrievalBenchmark, type RetrievalBenchmarkName } from './benchmark.js';
import { loadXnliSentences, type XnliSentences } from './xnli.js';

/** The retrieval benchmark of a suite; null for XNLI_ALIGNMENT, which is not a retrieval suite. */
export function retrievalBenchmarkOf(suite: EvaluationSuite): RetrievalBenchmarkName | null {
  switch (suite) {
    case 'XQUAD_R':
      return 'xquad-r';
    case 'MLQA_R':
      return 'mlqa-r';
    case 'XNLI_ALIGNMENT':
      return null;
    default:
      return suite satisfies never;
  }
}

export interface SuiteData {
  retrieval(name: RetrievalBenchmarkName): Promise<RetrievalBenchmark>;
  /** XNLI dev premises in its 15 languages (xnli.ts defaults). */
  xnli(): Promise<XnliSentences>;
  /** Forget what was read: a pull replaced files of the data folder. */
  clear(): void;
}

export function createSuiteData(dataDir: string): SuiteData {
  const loaded = new Map<string, Promise<unknown>>();
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
    clear: () => loaded.clear(),
  };
}
