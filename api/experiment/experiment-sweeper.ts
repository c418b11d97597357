// Keeps running experiments moving when a worker died between settling one of their jobs and
// chaining the next (schema/experiment-progress.ts is idempotent, so a sweep that finds nothing
// to do changes nothing).

import { advanceExperiment } from '../../schema/experiment-progress.js';
import type { Publisher } from '../../schema/bus/publish-job.js';

export function startExperimentSweeper(publisher: Publisher, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const sweep = async () => {
    const experiments = await publisher.prisma.experiment.findMany({ where: { status: 'RUNNING' }, select: { id: true } });
    for (const { id } of experiments) await advanceExperiment(publisher, id);
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((error) => publisher.log(`experiment sweep failed: ${String(error)}`))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
