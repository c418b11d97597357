// The training loop: seeded batches (sampler.ts) from the training groups, InfoNCE with in-batch
// and hard negatives, global-norm clipping, AdamW with warm-up and linear decay, a validation
// loss on held-out groups with early stopping, and resumable checkpoints. It knows nothing of
// jobs or databases: progress leaves through onLog, onCheckpoint and onEvaluate, cancellation comes in
// through the signal (checked before every step), and results are plain arrays, not tensors.

import * as tf from '@tensorflow/tfjs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { BatchComposition, ValidationSnapshot } from '../../schema/events.js';
import { nonRetryable } from '../../schema/jobs.js';
import type { HyperParameters, TrainingSpec } from '../../schema/training.js';
import type { NamedWeights } from '../encoding/checkpoint.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../encoding/encoder.js';
import { clipByGlobalNorm, createAdamW, learningRateAt, type AdamW } from './optimizer.js';
import { splitGroups } from './sampler-split.js';
import { createBatchSampler, type ParallelSource } from './sampler.js';
import { PAIR_KEYS, batchLoss, batchTexts, type PairText, type TextBatch } from './trainer-batch.js';
import type { ModelFactory, TrainableModel } from './trainer-model.js';
import type { TrainState } from './trainer-state.js';
import { INITIAL_EARLY_STOPPING, buildValidationSet, createEarlyStopping, validationLoss } from './trainer-validation.js';

export type { TrainState };

export interface LogPoint {
  /** Steps completed. */
  step: number;
  totalSteps: number;
  /** Mean loss over the steps since the previous point. */
  loss: number;
  learningRate: number;
  pairsPerSecond: number;
  /** Query-passage language pairs of the latest batch. */
  batchComposition: BatchComposition;
  /** Present at the steps where the validation loss was computed. */
  validationLoss?: number;
  /** Present at the steps where onEvaluate returned a snapshot. */
  validation?: ValidationSnapshot;
}

export interface TrainOptions {
  spec: TrainingSpec;
  sources: readonly ParallelSource<PairText>[];
  signal: AbortSignal;
  /** Awaited before the next step, so a slow writer slows training instead of queueing points. */
  onLog: (point: LogPoint) => Promise<void>;
  /** Every checkpointEvery steps before the last; awaited. */
  onCheckpoint?: (state: TrainState) => Promise<void>;
  /**
   * Called at the validation steps (every validateEvery steps and at the last), with the model as
   * it is then; what it returns goes on that step's log point. For watching only: nothing it
   * returns influences training or the choice of weights. Awaited; its time is not counted in
   * pairs per second.
   */
  onEvaluate?: (step: number, model: TrainableModel) => Promise<ValidationSnapshot | undefined>;
  /**
   * Called with each validation loss (after early stopping's own check); true stops training
   * there, with the weights of that step (a sweep's median rule, gpu-worker/jobs/sweep-stopping.ts).
   * Awaited.
   */
  afterValidation?: (step: number, loss: number) => Promise<boolean>;
  /** Continue from this state instead of starting over. */
  resume?: TrainState;
  models: ModelFactory;
  now?: () => number;
}

export interface ValidationSummary {
  /** Validation loss of the returned weights. */
  loss: number;
  bestStep: number;
  earlyStopped: boolean;
}

/** Why training ended before its last step (Run.stopReason). */
export type StopReason = 'PATIENCE' | 'MEDIAN_RULE';

export type TrainResult =
  | { kind: 'completed'; step: number; loss: number; weights: NamedWeights[]; pipeline: unknown; validation: ValidationSummary | null; stopReason: StopReason | null }
  | { kind: 'aborted'; step: number };

function trainStep(model: TrainableModel, optimizer: AdamW, batch: TextBatch, hp: HyperParameters, learningRate: number): number {
  return tf.tidy(() => {
    const variables = model.weights.map((w) => w.variable);
    const { value, grads } = tf.variableGrads(() => batchLoss(model, batch, hp), variables);
    // Weights the loss does not reach (a pretrained model's pooler under MEAN pooling) have no
    // gradient and stay as they are.
    const reached = variables.filter((v) => grads[v.name]);
    const { gradients } = clipByGlobalNorm(reached.map((v) => grads[v.name]!), hp.gradientClipNorm);
    optimizer.apply(new Map(reached.map((v, i) => [v, gradients[i]!])), learningRate);
    return value.dataSync()[0]!;
  });
}

const copyWeights = (model: TrainableModel): NamedWeights[] =>
  model.weights.map(({ name, variable }) => ({ name, shape: [...variable.shape], values: Float32Array.from(variable.dataSync() as Float32Array) }));

/** The texts a pipeline may learn its vocabulary from: training groups only, never validation ones. */
function trainingTexts(sources: readonly ParallelSource<PairText>[], languages: readonly string[]): string[] {
  const texts: string[] = [];
  for (const s of sources) {
    for (const g of s.groups) {
      for (const l of languages) {
        const item = g.items.get(l);
        if (!item) continue;
        texts.push(QUERY_PREFIX + item.query, PASSAGE_PREFIX + item.passage);
        if (item.hardNegative) texts.push(PASSAGE_PREFIX + item.hardNegative);
      }
    }
  }
  return texts;
}

async function openModel(models: ModelFactory, spec: TrainingSpec, train: readonly ParallelSource<PairText>[], resume?: TrainState) {
  if (!resume) return models.create(spec.model, { seed: spec.seed, trainingTexts: trainingTexts(train, spec.languages) });
  return models.restore(spec.model, resume.pipeline, new Map(resume.weights.map((w) => [w.name, w.values])));
}

function openOptimizer(model: TrainableModel, hp: HyperParameters, resume?: TrainState): AdamW {
  const variables = model.weights.map((w) => w.variable);
  // Biases and LayerNorm gains and offsets (the 1-D weights) are not decayed, as in BERT's AdamW.
  const options = { weightDecay: hp.weightDecay, decays: (v: tf.Variable) => v.rank >= 2 };
  if (!resume) return createAdamW(variables, options);
  const byName = (list: NamedWeights[]) => model.weights.map(({ name }) => {
    const found = list.find((w) => w.name === name);
    if (!found) throw new Error(`checkpoint has no optimizer moment for ${name}`);
    return found.values;
  });
  const { step, m, v } = resume.optimizer;
  return createAdamW(variables, options, { step, m: byName(m), v: byName(v) });
}

function optimizerState(model: TrainableModel, optimizer: AdamW): TrainState['optimizer'] {
  const { step, m, v } = optimizer.state();
  const named = (values: Float32Array[]) => model.weights.map(({ name, variable }, i) => ({ name, shape: [...variable.shape], values: values[i]! }));
  return { step, m: named(m), v: named(v) };
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { spec, signal, onLog, onCheckpoint, onEvaluate, afterValidation, resume, models, now = () => performance.now() } = options;
  const { hyperParameters: hp, languages } = spec;
  // A sweep's trials hold out the same groups (HyperParameters.validationSet), whatever their seeds.
  const split = options.sources.map((s) => splitGroups(s, { fraction: hp.validationFraction, seed: hp.validationSet?.seed ?? spec.seed, languages }));
  const train = split.map((s) => s.train);
  const sampler = createBatchSampler(train, { languages, batchSize: hp.batchSize, alpha: spec.alpha, seed: spec.seed, keys: PAIR_KEYS });
  const validation = buildValidationSet(split.map((s) => s.validation), spec);
  while (sampler.position < (resume?.samplerPosition ?? 0)) sampler.next();

  const model = await openModel(models, spec, train, resume);
  let optimizer: AdamW | undefined;
  try {
    optimizer = openOptimizer(model, hp, resume);
    const patience = hp.earlyStoppingPatience;
    const stopping = createEarlyStopping(patience, resume?.earlyStopping ?? INITIAL_EARLY_STOPPING);
    // A checkpoint taken at the best step stores those weights once, as its weights.
    let bestWeights = resume?.bestWeights ?? (resume && patience > 0 && resume.earlyStopping.bestStep === resume.step ? resume.weights : undefined);
    // Losses of steps before an interruption still count towards the next point's average; their
    // pairs do not count towards its pairs per second, which is timed from the resumption.
    const window = { ...(resume?.window ?? { loss: 0, steps: 0 }), pairs: 0 };
    let lastLoss = resume?.lastLoss ?? Number.NaN;
    let windowStart = now();
    let done = resume?.step ?? 0;
    let stopReason: StopReason | null = null;

    while (done < hp.steps) {
      if (signal.aborted) return { kind: 'aborted', step: done };
      const batch = batchTexts(sampler.next());
      const learningRate = learningRateAt(done, hp);
      const loss = trainStep(model, optimizer, batch, hp, learningRate);
      done++;
      if (!Number.isFinite(loss)) throw nonRetryable(`loss diverged (${loss}) at step ${done}`);
      window.loss += loss;
      window.steps++;
      window.pairs += batch.queries.length;

      const validating = done % hp.validateEvery === 0 || done === hp.steps;
      let validationLossNow: number | undefined;
      if (validation && validating) {
        validationLossNow = validationLoss(model, validation, hp.validationSet ? { ...hp, scale: hp.validationSet.scale } : hp);
        const { improved, stop } = stopping.observe(done, validationLossNow);
        // The next update overwrites the best weights: keep a copy while they may be needed.
        if (improved) bestWeights = patience > 0 && done < hp.steps ? copyWeights(model) : undefined;
        if (stop) stopReason = 'PATIENCE';
        else if (afterValidation && done < hp.steps && (await afterValidation(done, validationLossNow))) stopReason = 'MEDIAN_RULE';
      }
      let snapshot: ValidationSnapshot | undefined;
      if (onEvaluate && validating) {
        const started = now();
        snapshot = await onEvaluate(done, model);
        windowStart += now() - started;
      }
      if (done % hp.logEvery === 0 || done === hp.steps || validationLossNow !== undefined || snapshot !== undefined) {
        const seconds = Math.max(1e-6, (now() - windowStart) / 1000);
        lastLoss = window.loss / window.steps;
        await onLog({
          step: done,
          totalSteps: hp.steps,
          loss: lastLoss,
          learningRate,
          pairsPerSecond: window.pairs / seconds,
          batchComposition: batch.composition,
          ...(validationLossNow !== undefined ? { validationLoss: validationLossNow } : {}),
          ...(snapshot !== undefined ? { validation: snapshot } : {}),
        });
        Object.assign(window, { loss: 0, steps: 0, pairs: 0 });
        windowStart = now();
      }
      if (stopReason !== null) break;
      if (onCheckpoint && done % hp.checkpointEvery === 0 && done < hp.steps) {
        await onCheckpoint({
          step: done,
          samplerPosition: sampler.position,
          weights: copyWeights(model),
          optimizer: optimizerState(model, optimizer),
          pipeline: model.state,
          window: { ...window },
          lastLoss: Number.isFinite(lastLoss) ? lastLoss : null,
          earlyStopping: stopping.state(),
          ...(bestWeights && stopping.state().bestStep !== done ? { bestWeights } : {}),
        });
      }
      // Training is synchronous tensor work: yield so heartbeats and cancel events get through.
      await yieldToEventLoop();
    }

    const record = stopping.state();
    const keepBest = patience > 0 && bestWeights !== undefined && record.bestStep !== done;
    const summary: ValidationSummary | null =
      validation && record.bestStep !== null
        ? { loss: patience > 0 ? record.bestLoss! : record.lastLoss!, bestStep: record.bestStep, earlyStopped: stopReason !== null }
        : null;
    return { kind: 'completed', step: done, loss: lastLoss, weights: keepBest ? bestWeights! : copyWeights(model), pipeline: model.state, validation: summary, stopReason };
  } finally {
    optimizer?.dispose();
    model.dispose();
  }
}
