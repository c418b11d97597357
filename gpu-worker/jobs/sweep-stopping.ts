// A sweep's early termination on the worker that trains one of its trials: at each validation the
// trial's losses are compared with those of the sweep's completed trials (MetricPoint rows every
// worker writes) by the median rule (schema/sweep.ts). The decision needs only the database, so
// trials on different workers see each other without talking. Trials validate on the same
// held-out batches at the same temperature (HyperParameters.validationSet), so the losses compare.

import type { PrismaClient } from '../../prisma/generated/client.js';
import { medianDecision, sweepSettingsOf, type ValidationPoint } from '../../schema/sweep.js';

export interface SweepStoppingDeps {
  prisma: PrismaClient;
  log: (line: string) => void;
}

/** The run's stopping check, or undefined when it belongs to no sweep with early termination. */
export async function createSweepStopping(deps: SweepStoppingDeps, run: { id: string; experimentId: string | null }) {
  const { prisma, log } = deps;
  if (run.experimentId === null) return undefined;
  const experiment = await prisma.experiment.findUnique({ where: { id: run.experimentId }, select: { plan: true } });
  const rule = sweepSettingsOf(experiment?.plan)?.earlyTermination;
  if (!rule) return undefined;
  const experimentId = run.experimentId;
  return async (step: number, loss: number): Promise<boolean> => {
    // Completed: trained to the end, or ended by their own patience; not those the rule stopped.
    const completed = await prisma.run.findMany({
      where: { experimentId, trial: { not: null }, id: { not: run.id }, status: 'SUCCEEDED', OR: [{ stopReason: null }, { stopReason: 'PATIENCE' }] },
      select: { id: true },
    });
    const rows = await prisma.metricPoint.findMany({
      where: { name: 'validation_loss', runId: { in: [run.id, ...completed.map((r) => r.id)] } },
      select: { runId: true, step: true, value: true },
    });
    const byRun = new Map<string, ValidationPoint[]>(completed.map((r) => [r.id, []]));
    const own: ValidationPoint[] = [];
    for (const r of rows) {
      // This step's point is written after the check; earlier ones (also from before a resume) are stored.
      if (r.runId === run.id) {
        if (r.step < step) own.push({ step: r.step, loss: r.value });
      } else byRun.get(r.runId)!.push({ step: r.step, loss: r.value });
    }
    own.push({ step, loss });
    const decision = medianDecision(own, [...byRun.values()], step, rule);
    if (decision.reason === 'compared') {
      log(`run ${run.id}: step ${step}: best validation loss ${decision.best.toFixed(4)} vs median ${decision.median.toFixed(4)} of ${decision.compared} completed trials${decision.stop ? ': stopped by the median rule' : ''}`);
    }
    return decision.stop;
  };
}
