// A sweep as it stands, read from the database: its trials (runs), their latest step and best
// validation loss, their evaluation on the sweep metric, and the ranking. Used by
// Experiment.sweep and by each sweepProgress event.

import type { PrismaClient } from '../../prisma/generated/client.js';
import { readHeadlines } from '../evaluation/report-data.js';
import { headlineKey, isSweepPlan, rankTrials, sweepSettingsOf } from '../../schema/sweep.js';
import type { HyperParameters } from '../../schema/training.js';
import { evaluationJobKey } from '../../schema/experiment-progress.js';
import { FINAL_TRIAL_STATES, trialState, type TrialFacts } from './trial-state.js';
import type { Sweep, SweepCounts, SweepTrial } from './sweep.type.js';

/** Null for experiments that are not sweeps (plain ones, and presets started before presets were sweeps). */
export async function loadSweep(prisma: PrismaClient, experiment: { id: string; plan: unknown; status: string | null }): Promise<Sweep | null> {
  const settings = sweepSettingsOf(experiment.plan);
  if (!settings) return null;
  const plan = experiment.plan;
  const runs = await prisma.run.findMany({
    where: { experimentId: experiment.id, trial: { not: null } },
    orderBy: [{ trial: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, trial: true, status: true, stopReason: true, strategy: true, alpha: true, seed: true, hyperParameters: true },
  });
  const ids = runs.map((r) => r.id);
  const [steps, losses, jobs, reports] = await Promise.all([
    prisma.metricPoint.groupBy({ by: ['runId'], where: { runId: { in: ids }, name: 'loss' }, _max: { step: true } }),
    prisma.metricPoint.groupBy({ by: ['runId'], where: { runId: { in: ids }, name: 'validation_loss' }, _min: { value: true } }),
    prisma.job.findMany({ where: { idempotencyKey: { in: ids.map((id) => evaluationJobKey(experiment.id, id)) } }, select: { runId: true, status: true } }),
    prisma.evaluationReport.findMany({
      where: { runId: { in: ids }, suite: settings.metric.suite, step: null, jobId: { not: null }, job: { idempotencyKey: { in: ids.map((id) => evaluationJobKey(experiment.id, id)) } } },
      select: { runId: true, headlines: true },
    }),
  ]);
  const stepOf = new Map(steps.map((s) => [s.runId, s._max.step ?? 0]));
  const lossOf = new Map(losses.map((l) => [l.runId, l._min.value]));
  const evaluationOf = new Map(jobs.map((j) => [j.runId, j.status]));
  const key = headlineKey(settings.metric);
  const resultOf = new Map(reports.map((r) => [r.runId, readHeadlines(r.headlines).find((h) => h.name === key)]));

  const trials: SweepTrial[] = runs.map((run, i) => {
    const hp = run.hyperParameters as unknown as HyperParameters;
    const facts: TrialFacts = { runStatus: run.status, stopReason: run.stopReason, evaluation: evaluationOf.get(run.id) ?? null };
    const result = resultOf.get(run.id) ?? null;
    return {
      index: run.trial ?? i,
      runId: run.id,
      state: trialState(facts),
      params: { strategy: run.strategy, alpha: run.alpha, seed: run.seed, learningRate: hp.learningRate, batchSize: hp.batchSize, scale: hp.scale, weightDecay: hp.weightDecay, warmupSteps: hp.warmupSteps },
      step: stepOf.get(run.id) ?? 0,
      totalSteps: hp.steps,
      bestValidationLoss: lossOf.get(run.id) ?? null,
      stopReason: run.stopReason,
      result: result && { estimate: result.estimate, lo: result.lo, hi: result.hi },
      rank: null,
      tiedWithBest: null,
    };
  });
  const evaluated = trials.filter((t) => t.state === 'DONE' && t.result !== null).map((t) => ({ id: t.runId, ...t.result! }));
  const ranks = new Map(rankTrials(evaluated).map((r) => [r.id, r]));
  for (const t of trials) {
    const r = ranks.get(t.runId);
    if (r) Object.assign(t, { rank: r.rank, tiedWithBest: r.tiedWithBest });
  }
  const count = (state: SweepTrial['state']) => trials.filter((t) => t.state === state).length;
  const counts: SweepCounts = {
    pending: count('PENDING'), running: count('RUNNING'), evaluating: count('EVALUATING'), done: count('DONE'),
    stoppedEarly: count('STOPPED_EARLY'), failed: count('FAILED'), cancelled: count('CANCELLED'),
  };
  return {
    experimentId: experiment.id,
    status: experiment.status ?? 'RUNNING',
    search: isSweepPlan(plan) ? plan.search.kind.toUpperCase() : 'PRESET',
    varied: isSweepPlan(plan) ? plan.varied : ['strategy', 'alpha', 'seed'],
    maxParallel: settings.maxParallel,
    metric: settings.metric,
    earlyTermination: settings.earlyTermination,
    counts,
    trials,
    ranking: trials.filter((t) => t.rank !== null).sort((a, b) => a.rank! - b.rank!),
    at: new Date(),
  };
}

/** Whether every trial reached a final state. */
export const sweepSettled = (sweep: Sweep) => sweep.trials.every((t) => FINAL_TRIAL_STATES.has(t.state));
