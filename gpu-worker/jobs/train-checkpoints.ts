// Checkpoints of one run: resumable ones every checkpointEvery steps and the final one, each a
// folder under <checkpointDir>/<runId>/step-<n> plus a Checkpoint row (upserted, so a
// redelivered job rewriting a step changes nothing). After each write, the files of checkpoints
// older than the newest keepCheckpoints are pruned (prunedAt set, the row kept for the reports
// that reference it). `latest` finds where a redelivered job picks up: the newest unpruned
// checkpoint this worker can read that fits the run's model.

import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseHfConfig } from '../encoding/hf/config.js';
import { toHuggingFaceLayout } from '../encoding/hf/encoder.js';
import { writeHuggingFaceFolder } from '../encoding/hf/model.js';
import type { PipelineState } from '../encoding/pipeline.js';
import { pretrainedDir } from '../encoding/pretrained.js';
import type { PrismaClient } from '../../prisma/generated/client.js';
import type { ModelSpec } from '../../schema/training.js';
import { checkpointContents, stateFromCheckpoint } from '../training/checkpoint-state.js';
import { checkpointPath, loadCheckpoint, loadTrainingTensors, saveCheckpoint, type CheckpointInfo, type NamedWeights } from '../encoding/checkpoint.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../encoding/encoder.js';
import type { TrainResult, TrainState } from '../training/trainer.js';
import { LeaseLostError, type Lease, type Writer } from './lease.js';

export interface RunCheckpointsDeps {
  prisma: PrismaClient;
  checkpointDir: string;
  /** PRETRAINED runs: where their base model's folder (and tokenizer.json) is found. */
  modelsDir?: string;
  runId: string;
  model: ModelSpec;
  /** Checkpoints whose files stay (hyperParameters.keepCheckpoints). */
  keepCheckpoints: number;
  /** Backend name written into manifests. */
  backend: string;
  log: (line: string) => void;
  /** The delivery's hold on its job: rows are written only while it holds (gpu-worker/jobs/lease.ts). Absent: unguarded. */
  lease?: Lease;
}

/** Inside a PRETRAINED run's final checkpoint folder. */
export const HF_EXPORT_DIR = 'huggingface';

export type Resumption = { kind: 'final'; step: number } | { kind: 'resume'; state: TrainState };

type Completed = Extract<TrainResult, { kind: 'completed' }>;

export function createRunCheckpoints(deps: RunCheckpointsDeps) {
  const { prisma, runId } = deps;
  const unguarded: Lease = { write: (fn) => fn(prisma as unknown as Writer), held: async () => true };
  const lease = deps.lease ?? unguarded;

  async function write(step: number, info: Omit<CheckpointInfo, 'step' | 'model' | 'queryPrefix' | 'passagePrefix' | 'backend'>, weights: NamedWeights[]) {
    const location = checkpointPath(deps.checkpointDir, runId, step);
    const manifest = { step, model: deps.model, queryPrefix: QUERY_PREFIX, passagePrefix: PASSAGE_PREFIX, backend: deps.backend, ...info };
    // A delivery that lost the job writes no files either (on shared storage they are the new holder's paths).
    if (!(await lease.held())) throw new LeaseLostError(`run ${deps.runId}, checkpoint at step`, step);
    await saveCheckpoint(location, manifest, weights);
    await lease.write((tx) => tx.checkpoint.upsert({
      where: { runId_step: { runId, step } },
      create: { runId, step, location, metrics: info.metrics },
      // A rewritten step (a delivery that started over) has files again.
      update: { location, metrics: info.metrics, prunedAt: null },
    }));
  }

  /**
   * Removes the files of the checkpoints beyond the newest keepCheckpoints. `written` (the newest,
   * and the final one when saveFinal wrote it) always stays, and so does a checkpoint a collection
   * serves: the condition is in the update, so a collection created meanwhile keeps it too.
   */
  async function prune(written: number): Promise<void> {
    const rows = await prisma.checkpoint.findMany({
      where: { runId, prunedAt: null },
      orderBy: { step: 'desc' },
      select: { id: true, step: true, location: true },
    });
    for (const row of rows.slice(deps.keepCheckpoints)) {
      if (row.step === written) continue;
      const { count } = await lease.write((tx) => tx.checkpoint.updateMany({
        where: { id: row.id, prunedAt: null, collections: { none: {} } },
        data: { prunedAt: new Date() },
      }));
      if (count === 0) continue;
      await rm(row.location, { recursive: true, force: true });
      deps.log(`run ${runId}: pruned checkpoint ${row.step} (keeping the newest ${deps.keepCheckpoints})`);
    }
  }

  /**
   * A fine-tuned pretrained model also goes out as a Hugging Face folder (huggingface/ inside the
   * final checkpoint): the safetensors, config.json and tokenizer.json that transformers and
   * sentence-transformers load. Written to a temporary name first, so the folder is whole or absent.
   */
  async function exportHuggingFace(step: number, pipeline: unknown, weights: readonly NamedWeights[]): Promise<void> {
    const state = pipeline as PipelineState;
    const config = parseHfConfig(state.pretrained?.config, 'the run\'s base model config');
    const target = path.join(checkpointPath(deps.checkpointDir, runId, step), HF_EXPORT_DIR);
    const temp = `${target}.tmp-${randomBytes(4).toString('hex')}`;
    await writeHuggingFaceFolder(temp, config, toHuggingFaceLayout(weights), {
      tokenizerFrom: pretrainedDir(deps.model, deps.modelsDir ?? '.'),
      sentenceTransformers: { pooling: deps.model.pooling, maxLength: deps.model.maxLength, prompts: { query: QUERY_PREFIX, passage: PASSAGE_PREFIX } },
    });
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
    deps.log(`run ${runId}: Hugging Face export at ${target}`);
  }

  return {
    async saveProgress(state: TrainState): Promise<void> {
      const { training, weights } = checkpointContents(state);
      const metrics: Record<string, number> = {};
      if (state.lastLoss !== null) metrics.loss = state.lastLoss;
      if (state.earlyStopping.lastLoss !== null) metrics.validation_loss = state.earlyStopping.lastLoss;
      await write(state.step, { tokenizer: state.pipeline, metrics, training }, weights);
      await prune(state.step);
    },

    /** The run's result; under early stopping its weights are the best ones, from metrics.best_step. */
    async saveFinal(result: Completed): Promise<void> {
      const metrics: Record<string, number> = { loss: result.loss };
      if (result.validation) Object.assign(metrics, { validation_loss: result.validation.loss, best_step: result.validation.bestStep });
      await write(result.step, { tokenizer: result.pipeline, metrics, final: true }, result.weights);
      // Checkpoints past the result (written by an earlier delivery that went further before early
      // stopping differently, or on another worker's disk) must not pass for the run's latest.
      await lease.write((tx) => tx.checkpoint.deleteMany({ where: { runId, step: { gt: result.step } } }));
      await prune(result.step);
      if (deps.model.family === 'PRETRAINED') await exportHuggingFace(result.step, result.pipeline, result.weights);
    },

    /** A redelivered PRETRAINED run whose final checkpoint exists: writes its Hugging Face export if an earlier delivery did not. */
    async ensureExport(step: number): Promise<void> {
      if (deps.model.family !== 'PRETRAINED') return;
      const location = checkpointPath(deps.checkpointDir, runId, step);
      if ((await stat(path.join(location, HF_EXPORT_DIR)).catch(() => null))?.isDirectory()) return;
      const { manifest, weights } = await loadCheckpoint(location);
      await exportHuggingFace(step, manifest.tokenizer, manifest.weights.map(({ name, shape }) => ({ name, shape, values: weights.get(name)! })));
    },

    async latest(): Promise<Resumption | null> {
      const rows = await prisma.checkpoint.findMany({ where: { runId, prunedAt: null }, orderBy: { step: 'desc' }, select: { step: true, location: true } });
      for (const row of rows) {
        try {
          const { manifest, weights } = await loadCheckpoint(row.location);
          if (!isDeepStrictEqual(manifest.model, deps.model)) throw new Error('its model differs from the run');
          if (manifest.final) return { kind: 'final', step: manifest.step };
          return { kind: 'resume', state: stateFromCheckpoint(manifest, weights, await loadTrainingTensors(row.location, manifest)) };
        } catch (err) {
          // Another worker's disk, a checkpoint of an older format: an older one may still do.
          deps.log(`run ${runId}: cannot resume from step ${row.step} (${row.location}): ${(err as Error).message}`);
        }
      }
      return null;
    },
  };
}
