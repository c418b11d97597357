import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL } from '../../schema/training.js';
import { checkpointContents, stateFromCheckpoint } from './checkpoint-state.js';
import { checkpointPath, loadCheckpoint, loadTrainingTensors, saveCheckpoint } from '../encoding/checkpoint.js';
import type { TrainState } from './trainer-state.js';

const info = {
  step: 20,
  model: DEFAULT_MODEL,
  tokenizer: { kind: 'hashed-subwords' as const, vocabularySize: 4, maxLength: 8, ngram: 3 },
  queryPrefix: 'Query: ',
  passagePrefix: 'Passage: ',
  backend: 'cpu',
  metrics: { loss: 1.5 },
};

async function withRoot(body: (root: string) => Promise<void>) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-ckpt-'));
  try {
    await body(root);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

test('a saved checkpoint loads back with the same weights and manifest', () =>
  withRoot(async (root) => {
    const dir = checkpointPath(root, 'run-1', 20);
    assert.equal(dir, path.join(root, 'run-1', 'step-20'));
    const embedding = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    const bias = Float32Array.from([0.5, -0.25]);
    await saveCheckpoint(dir, info, [
      { name: 'embedding', shape: [4, 3], values: embedding },
      { name: 'bias', shape: [2], values: bias },
    ]);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['model.json', 'weights.bin']);
    assert.deepEqual(await fs.readdir(path.join(root, 'run-1')), ['step-20'], 'no temporary folder left');
    const { manifest, weights } = await loadCheckpoint(dir);
    assert.equal(manifest.step, 20);
    assert.deepEqual(manifest.tokenizer, info.tokenizer);
    assert.deepEqual(manifest.metrics, { loss: 1.5 });
    assert.deepEqual(weights.get('embedding'), embedding);
    assert.deepEqual(weights.get('bias'), bias);
  }));

test('rewriting a step replaces the whole folder; a truncated weights file is refused', () =>
  withRoot(async (root) => {
    const dir = checkpointPath(root, 'run-1', 20);
    await saveCheckpoint(dir, info, [{ name: 'a', shape: [2], values: Float32Array.from([1, 2]) }]);
    await saveCheckpoint(dir, { ...info, metrics: { loss: 0.5 } }, [{ name: 'b', shape: [1], values: Float32Array.from([3]) }]);
    const { manifest, weights } = await loadCheckpoint(dir);
    assert.deepEqual([manifest.metrics, [...weights.keys()]], [{ loss: 0.5 }, ['b']]);
    assert.deepEqual(await fs.readdir(path.join(root, 'run-1')), ['step-20']);
    await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(2));
    await assert.rejects(loadCheckpoint(dir), /weights.bin is shorter than its layout/);
  }));

test('a training state survives a checkpoint: weights, moments, best weights, sampler and early-stopping records', () =>
  withRoot(async (root) => {
    const named = (name: string, ...values: number[]) => ({ name, shape: [values.length], values: Float32Array.from(values) });
    const state: TrainState = {
      step: 30,
      samplerPosition: 30,
      weights: [named('embedding', 1, 2, 3), named('norm', 4)],
      optimizer: { step: 30, m: [named('embedding', 0.1, 0.2, 0.3), named('norm', 0.4)], v: [named('embedding', 0.01, 0.02, 0.03), named('norm', 0.04)] },
      pipeline: info.tokenizer,
      window: { loss: 2.5, steps: 2, pairs: 16 },
      lastLoss: 1.25,
      earlyStopping: { bestLoss: 0.75, bestStep: 20, sinceImprovement: 1, lastLoss: 0.8 },
      bestWeights: [named('embedding', 9, 8, 7), named('norm', 6)],
    };
    const { training, weights } = checkpointContents(state);
    const dir = checkpointPath(root, 'run-1', 30);
    await saveCheckpoint(dir, { ...info, step: 30, tokenizer: state.pipeline, training }, weights);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['model.json', 'training.bin', 'weights.bin']);
    const loaded = await loadCheckpoint(dir);
    assert.deepEqual([...loaded.weights.keys()], ['embedding', 'norm'], 'weights.bin holds the model weights only');
    const tensors = await loadTrainingTensors(dir, loaded.manifest);
    assert.equal(tensors.size, 6, 'two moments and the best copy of each weight');
    assert.deepEqual(stateFromCheckpoint(loaded.manifest, loaded.weights, tensors), state);
    const { bestWeights: _, ...withoutBest } = state;
    await saveCheckpoint(dir, { ...info, step: 30, tokenizer: state.pipeline, training: checkpointContents(withoutBest).training }, weights);
    const plain = await loadCheckpoint(dir);
    assert.deepEqual(stateFromCheckpoint(plain.manifest, plain.weights, await loadTrainingTensors(dir, plain.manifest)), withoutBest);
    await saveCheckpoint(dir, { ...info, final: true }, weights);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['model.json', 'weights.bin'], 'a final checkpoint has no training state');
    const final = await loadCheckpoint(dir);
    assert.throws(() => stateFromCheckpoint(final.manifest, final.weights, new Map()), /not a resumable checkpoint/);
    assert.deepEqual(await loadTrainingTensors(dir, final.manifest), new Map());
  }));
