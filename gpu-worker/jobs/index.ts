// Job handlers by kind (Temporal-samples style: closures over their dependencies). The switch is
// exhaustive: a new JobKind does not compile until this worker decides what to do with it.

import type { LexicalQueries } from '../lexical/query.js';
import { assertNever } from '../../schema/events.js';
import type { JobKind } from '../../schema/jobs.js';
import { createDataCache } from '../data/index.js';
import { createSuiteData } from '../evaluation/suite-data.js';
import { createLeaseCache } from '../encoding/lease-cache.js';
import type { VectorStore } from '../vectors/store.js';
import { createEvaluateJob } from './evaluate.js';
import type { CachedEncoder } from './evaluate-target.js';
import { createReportStore } from './evaluation-reports.js';
import { createIndexCorpusJob } from './index-corpus.js';
import { createPullDatasetJob } from './pull-dataset.js';
import { createReportJob } from '../experiment/report-job.js';
import { createTrainJob, type TrainJobDeps } from './train.js';
import type { JobHandler } from './types.js';

/** The caches and the report store are created here, once per worker, and shared by the jobs. */
export type JobsDeps = Omit<TrainJobDeps, 'dataCache' | 'suiteData' | 'reports'> & {
  vectors: () => Promise<VectorStore>;
  reportsDir: string;
  /** Shared with query serving: one copy of the dictionaries per worker. */
  lexical: () => Promise<LexicalQueries>;
  /** DATA_MIRROR for PULL jobs; absent: each file's GitHub source. */
  dataMirror?: string;
};

/** Kinds this worker advertises in its Worker row. */
export const CAPABILITIES: readonly JobKind[] = ['TRAIN', 'EVALUATE', 'EMBED', 'REPORT', 'PULL'];

/** Restored encoders kept for later EVALUATE jobs. */
const CACHED_ENCODERS = 2;

export interface Jobs {
  handlerFor(kind: JobKind): JobHandler;
  /** Releases the cached encoders (those still in use go when their job ends). */
  close(): void;
}

export function createJobs(deps: JobsDeps): Jobs {
  const suiteData = createSuiteData(deps.dataDir);
  const reports = createReportStore(deps.prisma, deps.dataDir);
  const encoders = createLeaseCache<CachedEncoder>(CACHED_ENCODERS);
  const dataCache = createDataCache();
  const train = createTrainJob({ ...deps, dataCache, suiteData, reports });
  const evaluate = createEvaluateJob({ prisma: deps.prisma, dataDir: deps.dataDir, dataCache, reports, suiteData, encoders, modelsDir: deps.modelsDir, lexical: deps.lexical, log: deps.log });
  const embed = createIndexCorpusJob({ prisma: deps.prisma, vectors: deps.vectors, dataDir: deps.dataDir, modelsDir: deps.modelsDir, log: deps.log });
  const report = createReportJob({ prisma: deps.prisma, reportsDir: deps.reportsDir, log: deps.log });
  const pullDataset = createPullDatasetJob({ prisma: deps.prisma, events: deps.events, dataDir: deps.dataDir, mirror: deps.dataMirror ?? null, log: deps.log });
  // Evaluations after a pull read the files it put in place (parsed files are cached per file version).
  const pull: JobHandler = (context) => pullDataset(context).finally(() => suiteData.clear());
  return {
    handlerFor(kind) {
      switch (kind) {
        case 'TRAIN':
          return train;
        case 'EVALUATE':
          return evaluate;
        case 'EMBED':
          return embed;
        case 'REPORT':
          return report;
        case 'PULL':
          return pull;
        default:
          return assertNever(kind);
      }
    },
    close: () => encoders.clear(),
  };
}
