import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveCheckpoint } from '../encoding/checkpoint.js';
import { loadCheckpointEncoder } from '../encoding/checkpoint-encoder.js';
import { embedTexts } from '../encoding/encode.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../encoding/encoder.js';
import { createLeaseCache } from '../encoding/lease-cache.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, type TrainingSpec } from '../../schema/training.js';
import type { PairText } from '../training/trainer-batch.js';
import type { ParallelSource } from '../training/sampler.js';
import { pipelineModels } from '../training/trainer-model.js';
import { train } from '../training/trainer.js';
import { leaseCheckpointEncoder, type CachedEncoder } from './evaluate-target.js';

// HASHED tokenizers need no model files.
const modelsDir = path.join(os.tmpdir(), 'no-models-needed');

const source: ParallelSource<PairText> = {
  name: 'synthetic',
  groups: ['river', 'mountain', 'city', 'forest', 'island', 'desert', 'valley', 'harbour'].map((word, i) => ({
    id: `g${i}`,
    items: new Map<string, PairText>([
      ['aa', { query: `where is the ${word}`, passage: `the ${word} is over there` }],
      ['bb', { query: `wo ist ${word}`, passage: `${word} ist dort drüben` }],
    ]),
  })),
};

const spec: TrainingSpec = {
  strategy: 'HYBRID',
  alpha: 0.5,
  trainDatasets: ['synthetic'],
  languages: ['aa', 'bb'],
  seed: 5,
  evaluationSuites: [],
  model: { ...DEFAULT_MODEL, family: 'TRANSFORMER', layers: 1, heads: 2, ffnDimension: 16, dimension: 8, vocabularySize: 256, maxLength: 12, tokenizer: 'HASHED' },
  hyperParameters: { ...DEFAULT_HYPER_PARAMETERS, steps: 4, batchSize: 4, logEvery: 2, warmupSteps: 1, validationFraction: 0 },
};

test("a trained checkpoint embeds through schema's checkpoint encoder exactly as the worker's evaluation encodes it", async () => {
  await tf.setBackend('cpu');
  const result = await train({ spec, sources: [source], signal: new AbortController().signal, onLog: async () => {}, models: pipelineModels(modelsDir) });
  assert.equal(result.kind, 'completed');
  if (result.kind !== 'completed') return;
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-serve-'));
  const dir = path.join(root, 'run', `step-${result.step}`);
  try {
    // As the TRAIN job writes its final checkpoint (train-checkpoints.ts).
    const info = { step: result.step, model: spec.model, tokenizer: result.pipeline, queryPrefix: QUERY_PREFIX, passagePrefix: PASSAGE_PREFIX, backend: 'cpu', metrics: {}, final: true };
    await saveCheckpoint(dir, info, result.weights);

    const texts = ['where is the river', 'wo ist island', 'a text the model never saw, longer than the others'];
    const serving = await loadCheckpointEncoder(dir, { modelsDir });
    const cache = createLeaseCache<CachedEncoder>(1);
    const lease = await leaseCheckpointEncoder(cache, modelsDir, 'ckpt', dir);
    try {
      assert.equal(serving.dimension, 8);
      for (const [role, prefix] of [['QUERY', QUERY_PREFIX], ['PASSAGE', PASSAGE_PREFIX]] as const) {
        const vectors = await serving.embed(texts, role);
        // What runRetrievalSuite does with the leased encoder.
        const worker = await embedTexts(lease.value.embed, texts.map((t) => prefix + t));
        assert.equal(worker.dimension, serving.dimension);
        vectors.forEach((v, i) => {
          assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, `${role} ${i} has unit length`);
          assert.deepEqual(v, worker.values.slice(i * worker.dimension, (i + 1) * worker.dimension), `${role} ${i}`);
        });
      }
    } finally {
      lease.release();
      cache.clear();
      serving.dispose();
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
