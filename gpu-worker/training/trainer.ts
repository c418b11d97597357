// The training loop: seeded batches (sampler.ts), hashed-subword features, the shared-weight
// encoder, InfoNCE with in-batch negatives, AdamW with warm-up and linear decay. It knows nothing
// of jobs or databases: progress leaves through onLog, cancellation comes in through the signal
// (checked before every step), and the result carries plain weight arrays, not tensors.

import * as tf from '@tensorflow/tfjs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { BatchComposition } from '../../schema/events.js';
import { nonRetryable } from '../../schema/jobs.js';
import type { TrainingSpec } from '../../schema/training.js';
import type { NamedWeights } from './checkpoint.js';
import type { QaPair } from './data.js';
import { PASSAGE_PREFIX, QUERY_PREFIX, createBagOfSubwordsEncoder, type TextEncoder } from './encoder.js';
import { infoNce } from './loss.js';
import { createAdamW, learningRateAt, type AdamW } from './optimizer.js';
import { createBatchSampler, type ParallelSource } from './sampler.js';
import { createTokenizer, padBatch, type PaddedBatch, type TokenizerConfig } from './tokenizer.js';

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
}

export interface TrainOptions {
  spec: TrainingSpec;
  sources: readonly ParallelSource<QaPair>[];
  signal: AbortSignal;
  /** Awaited before the next step, so a slow writer slows training instead of queueing points. */
  onLog: (point: LogPoint) => Promise<void>;
  now?: () => number;
}

export type TrainResult =
  | { kind: 'completed'; step: number; loss: number; weights: NamedWeights[]; tokenizer: TokenizerConfig }
  | { kind: 'aborted'; step: number };

function trainStep(encoder: TextEncoder, optimizer: AdamW, queries: PaddedBatch, passages: PaddedBatch, scale: number, learningRate: number): number {
  return tf.tidy(() => {
    const variables = encoder.weights.map((w) => w.variable);
    const { value, grads } = tf.variableGrads(() => infoNce(encoder.encode(queries), encoder.encode(passages), scale), variables);
    optimizer.apply(new Map(variables.map((v) => [v, grads[v.name]!])), learningRate);
    return value.dataSync()[0]!;
  });
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { spec, sources, signal, onLog, now = () => performance.now() } = options;
  const { model, hyperParameters: hp } = spec;
  if (model.family !== 'BAG_OF_SUBWORDS') throw nonRetryable(`${model.family} encoders are not supported by this worker yet`);
  if (model.pooling !== 'MEAN') throw nonRetryable(`${model.pooling} pooling needs a TRANSFORMER encoder`);

  const sampler = createBatchSampler(sources, { languages: spec.languages, batchSize: hp.batchSize, alpha: spec.alpha, seed: spec.seed });
  const tokenizer = createTokenizer({ vocabularySize: model.vocabularySize, maxLength: model.maxLength });
  const features = new Map<string, Int32Array>();
  const encode = (text: string) => {
    let ids = features.get(text);
    if (!ids) features.set(text, (ids = tokenizer.encode(text)));
    return ids;
  };

  const encoder = createBagOfSubwordsEncoder(model, spec.seed);
  const optimizer = createAdamW(
    encoder.weights.map((w) => w.variable),
    { weightDecay: hp.weightDecay },
  );
  try {
    let windowLoss = 0;
    let windowSteps = 0;
    let windowPairs = 0;
    let windowStart = now();
    let lastLoss = Number.NaN;
    for (let step = 0; step < hp.steps; step++) {
      if (signal.aborted) return { kind: 'aborted', step };
      const batch = sampler.next();
      const queries = padBatch(batch.pairs.map((p) => encode(QUERY_PREFIX + p.query.question)));
      const passages = padBatch(batch.pairs.map((p) => encode(PASSAGE_PREFIX + p.passage.passage)));
      const learningRate = learningRateAt(step, hp);
      const loss = trainStep(encoder, optimizer, queries, passages, hp.scale, learningRate);
      if (!Number.isFinite(loss)) throw nonRetryable(`loss diverged (${loss}) at step ${step + 1}`);
      windowLoss += loss;
      windowSteps++;
      windowPairs += batch.pairs.length;
      const done = step + 1;
      if (done % hp.logEvery === 0 || done === hp.steps) {
        const seconds = Math.max(1e-6, (now() - windowStart) / 1000);
        lastLoss = windowLoss / windowSteps;
        await onLog({
          step: done,
          totalSteps: hp.steps,
          loss: lastLoss,
          learningRate,
          pairsPerSecond: windowPairs / seconds,
          batchComposition: batch.composition,
        });
        windowLoss = windowSteps = windowPairs = 0;
        windowStart = now();
      }
      // Training is synchronous tensor work: yield so heartbeats and cancel events get through.
      await yieldToEventLoop();
    }
    const weights = encoder.weights.map(({ name, variable }) => ({
      name,
      shape: [...variable.shape],
      values: Float32Array.from(variable.dataSync() as Float32Array),
    }));
    return { kind: 'completed', step: hp.steps, loss: lastLoss, weights, tokenizer: tokenizer.config };
  } finally {
    optimizer.dispose();
    encoder.dispose();
  }
}
