// TRAIN jobs: read the run's spec and data, refuse evaluation data, resume from the latest
// checkpoint when there is one, train while recording metrics and progress and saving resumable
// checkpoints, then save the final weights as a Checkpoint. When the run names a retrieval suite,
// every validation step also evaluates a subsample of it (train-evaluation.ts). Writes are
// idempotent (metric points and validation reports keep their first value, checkpoints are
// upserted), so a redelivered run continues safely.

import type { PrismaClient } from '../../prisma/generated/client.js';
import type { EventBus } from '../../schema/bus.js';
import { nonRetryable } from '../../schema/jobs.js';
import type { DataCache } from '../data/index.js';
import type { SuiteData } from '../evaluation/suite-data.js';
import { parseTrainingSpec } from '../training/spec.js';
import { pipelineModels, type ModelFactory } from '../training/trainer-model.js';
import { train, type LogPoint } from '../training/trainer.js';
import type { ReportStore } from './evaluation-reports.js';
import { createRunCheckpoints } from './train-checkpoints.js';
import { loadTrainingSources, refuseEvaluationLeakage } from './train-data.js';
import { createTrainingEvaluation } from './train-evaluation.js';
import { createSweepStopping } from './sweep-stopping.js';
import { createLease, type Lease, type LeaseOptions } from './lease.js';
import type { JobHandler } from './types.js';

export interface TrainJobDeps {
  prisma: PrismaClient;
  events: EventBus;
  dataDir: string;
  modelsDir: string;
  checkpointDir: string;
  /** Backend name, for checkpoint manifests. */
  backend: string;
  /** Parsed dataset files, kept for the worker's lifetime. */
  dataCache: DataCache;
  /** Evaluation suites, for the periodic evaluation during training. */
  suiteData: SuiteData;
  reports: ReportStore;
  /** Defaults to the text pipeline with the tokenizers under modelsDir. */
  models?: ModelFactory;
  /** Each logged point's throughput and seconds per step (the worker's metrics). */
  observeTraining?: (pairsPerSecond: number, stepSeconds: number) => void;
  log: (line: string) => void;
  /** How training writes are fenced (gpu-worker/jobs/lease.ts). */
  lease: LeaseOptions;
}

export function createTrainJob(deps: TrainJobDeps): JobHandler {
  const { prisma, events, models = pipelineModels(deps.modelsDir) } = deps;

  async function record(lease: Lease, runId: string, point: LogPoint): Promise<void> {
    const metric = (name: string, value: number) => ({ runId, step: point.step, name, value });
    // Stored before it is announced: a client that reads after the event finds the point.
    await lease.write((tx) => tx.metricPoint.createMany({
      data: [
        metric('loss', point.loss),
        metric('learning_rate', point.learningRate),
        metric('pairs_per_second', point.pairsPerSecond),
        ...(point.validationLoss !== undefined ? [metric('validation_loss', point.validationLoss)] : []),
      ],
      // Points written before an interruption stay as they were.
      skipDuplicates: true,
    }));
    events.publish({ type: 'progress', runId, status: 'RUNNING', at: new Date().toISOString(), ...point });
  }

  return async ({ job, run, signal, attempt }) => {
    if (!run) throw nonRetryable(`TRAIN job ${job.id} has no run`);
    const lease = createLease(prisma, job.id, attempt, deps.lease);
    const spec = parseTrainingSpec(run);
    const data = { prisma, dataDir: deps.dataDir, cache: deps.dataCache };
    const sources = await loadTrainingSources(data, spec);
    await refuseEvaluationLeakage(data, spec, sources);

    const checkpoints = createRunCheckpoints({
      prisma, checkpointDir: deps.checkpointDir, modelsDir: deps.modelsDir, runId: run.id, model: spec.model,
      keepCheckpoints: spec.hyperParameters.keepCheckpoints, backend: deps.backend, log: deps.log, lease,
    });
    const found = await checkpoints.latest();
    if (found?.kind === 'final') {
      deps.log(`run ${run.id}: final checkpoint at step ${found.step} exists; nothing to train`);
      await checkpoints.ensureExport(found.step);
      return { kind: 'succeeded' };
    }
    if (found) deps.log(`run ${run.id}: resuming from step ${found.state.step}`);

    const afterValidation = await createSweepStopping({ prisma, log: deps.log }, run);
    const onEvaluate = createTrainingEvaluation({ reports: deps.reports, suiteData: deps.suiteData, log: deps.log }, run.id, spec, signal);
    const result = await train({
      spec,
      sources,
      signal,
      models,
      onLog: (point) => {
        deps.observeTraining?.(point.pairsPerSecond, spec.hyperParameters.batchSize / point.pairsPerSecond);
        return record(lease, run.id, point);
      },
      onCheckpoint: (state) => checkpoints.saveProgress(state),
      ...(onEvaluate ? { onEvaluate } : {}),
      ...(afterValidation ? { afterValidation } : {}),
      ...(found ? { resume: found.state } : {}),
    });
    if (result.kind === 'aborted') return { kind: 'aborted' };
    // Before the final checkpoint: once that exists, a redelivery trains nothing and sets nothing.
    // Written when null too: a redelivery that trained to the end clears an earlier attempt's stop.
    await lease.write((tx) => tx.run.update({ where: { id: run.id }, data: { stopReason: result.stopReason } }));
    await checkpoints.saveFinal(result);
    return { kind: 'succeeded' };
  };
}
