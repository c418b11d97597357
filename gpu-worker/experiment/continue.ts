// What a worker does after settling a job that belongs to an experiment: chain the experiment's
// next jobs, or record that its report could not be written.

import type { Publisher } from '../../schema/bus/publish-job.js';
import { advanceExperiment } from '../../schema/experiment-progress.js';
import type { JobKind } from '../../schema/jobs.js';

export async function continueExperiment(
  publisher: Publisher,
  job: { id: string; kind: JobKind; experimentId: string | null },
  status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED',
): Promise<void> {
  if (!job.experimentId) return;
  if (job.kind === 'REPORT') {
    if (status !== 'SUCCEEDED') {
      await publisher.prisma.experiment.updateMany({ where: { id: job.experimentId, status: 'RUNNING' }, data: { status: 'FAILED', finishedAt: new Date() } });
    }
    return;
  }
  await advanceExperiment(publisher, job.experimentId);
}
