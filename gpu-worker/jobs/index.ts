// Job handlers by kind (Temporal-samples style: closures over their dependencies). The switch is
// exhaustive: a new JobKind does not compile until this worker decides what to do with it.

import { assertNever } from '../../schema/events.js';
import { nonRetryable, type JobKind } from '../../schema/jobs.js';
import { createDataCache } from '../data/index.js';
import { createTrainJob, type TrainJobDeps } from './train.js';
import type { JobHandler } from './types.js';

/** The data cache is created here, once per worker: every run re-reads the same dataset files. */
export type JobsDeps = Omit<TrainJobDeps, 'dataCache'>;

/** Kinds this worker advertises in its Worker row. */
export const CAPABILITIES: readonly JobKind[] = ['TRAIN'];

export function createJobs(deps: JobsDeps): (kind: JobKind) => JobHandler {
  const train = createTrainJob({ ...deps, dataCache: createDataCache() });
  const unsupported =
    (kind: JobKind): JobHandler =>
    async () => {
      throw nonRetryable(`${kind} jobs are not supported by this worker yet`);
    };
  return (kind) => {
    switch (kind) {
      case 'TRAIN':
        return train;
      case 'EMBED':
      case 'EVALUATE':
        return unsupported(kind);
      default:
        return assertNever(kind);
    }
  };
}
