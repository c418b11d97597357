// TRAIN jobs: read the run's spec and data, train, record metrics and progress as training goes,
// save the final weights and register them as a Checkpoint. Writes are idempotent (metric points
// keep their first value, the checkpoint is upserted), so a redelivered run can start over.

import type { PrismaClient } from '../../prisma/generated/client.js';
import type { EventBus } from '../../schema/bus.js';
import { nonRetryable } from '../../schema/jobs.js';
import { checkpointPath, saveCheckpoint } from '../training/checkpoint.js';
import { loadQaSentenceSource } from '../training/data.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../training/encoder.js';
import { parseTrainingSpec } from '../training/spec.js';
import { train, type LogPoint } from '../training/trainer.js';
import type { JobHandler } from './types.js';

export interface TrainJobDeps {
  prisma: PrismaClient;
  events: EventBus;
  dataDir: string;
  checkpointDir: string;
  backend: string;
}

export function createTrainJob(deps: TrainJobDeps): JobHandler {
  const { prisma, events } = deps;

  async function record(runId: string, point: LogPoint): Promise<void> {
    // Stored before it is announced: a client that reads after the event finds the point.
    await prisma.metricPoint.createMany({
      data: [
        { runId, step: point.step, name: 'loss', value: point.loss },
        { runId, step: point.step, name: 'learning_rate', value: point.learningRate },
        { runId, step: point.step, name: 'pairs_per_second', value: point.pairsPerSecond },
      ],
      skipDuplicates: true,
    });
    events.publish({ type: 'progress', runId, status: 'RUNNING', at: new Date().toISOString(), ...point });
  }

  return async ({ job, run, signal }) => {
    if (!run) throw nonRetryable(`TRAIN job ${job.id} has no run`);
    const spec = parseTrainingSpec(run);
    const sources = [];
    for (const name of spec.trainDatasets) sources.push(await loadQaSentenceSource(deps.dataDir, name, spec.languages));

    const result = await train({ spec, sources, signal, onLog: (point) => record(run.id, point) });
    if (result.kind === 'aborted') return { kind: 'aborted' };

    const location = checkpointPath(deps.checkpointDir, run.id, result.step);
    const metrics = { loss: result.loss };
    await saveCheckpoint(
      location,
      {
        step: result.step,
        model: spec.model,
        tokenizer: result.tokenizer,
        queryPrefix: QUERY_PREFIX,
        passagePrefix: PASSAGE_PREFIX,
        backend: deps.backend,
        metrics,
      },
      result.weights,
    );
    await prisma.checkpoint.upsert({
      where: { runId_step: { runId: run.id, step: result.step } },
      create: { runId: run.id, step: result.step, location, metrics },
      update: { location, metrics },
    });
    return { kind: 'succeeded' };
  };
}
