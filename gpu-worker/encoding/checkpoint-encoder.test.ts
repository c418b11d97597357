import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MODEL, type ModelSpec } from '../../schema/training.js';
import { saveCheckpoint } from './checkpoint.js';
import { loadCheckpointEncoder, type CheckpointEncoder } from './checkpoint-encoder.js';
import { readWeights } from './encoder.js';
import { createEncoderCache } from './encoder-cache.js';
import { createTextPipeline } from './pipeline.js';

// HASHED tokenizers need no model files.
const modelsDir = path.join(os.tmpdir(), 'no-models-needed');
const texts = ['where is the river', 'wo ist der Fluss', '', 'a much longer text with several more words than the others'];

/** A checkpoint of an untrained model (weights from the seed), with its own prefixes. */
async function writeCheckpoint(dir: string, model: ModelSpec): Promise<void> {
  const pipeline = await createTextPipeline(model, { modelsDir, seed: 7, trainingTexts: [] });
  const weights = [...readWeights(pipeline.encoder)].map(([name, values]) => ({
    name,
    shape: [...pipeline.encoder.weights.find((w) => w.name === name)!.variable.shape],
    values,
  }));
  const info = { step: 1, model, tokenizer: pipeline.state(), queryPrefix: 'Q> ', passagePrefix: 'P> ', backend: 'cpu', metrics: {} };
  await saveCheckpoint(dir, info, weights);
  pipeline.dispose();
}

async function withCheckpoints<T>(models: ModelSpec[], body: (dirs: string[]) => Promise<T>): Promise<T> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-encoder-'));
  try {
    const dirs = models.map((_, i) => path.join(root, `step-${i}`));
    for (const [i, model] of models.entries()) await writeCheckpoint(dirs[i]!, model);
    return await body(dirs);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

const bag: ModelSpec = { ...DEFAULT_MODEL, tokenizer: 'HASHED', dimension: 8, vocabularySize: 64, maxLength: 12 };
const transformer: ModelSpec = { ...bag, family: 'TRANSFORMER', layers: 1, heads: 2, ffnDimension: 16, pooling: 'CLS' };

test('a checkpoint encoder embeds with the manifest prefix: unit vectors equal to a direct forward pass', async () => {
  await tf.setBackend('cpu');
  await withCheckpoints([bag, transformer], async (dirs) => {
    for (const dir of dirs) {
      const encoder = await loadCheckpointEncoder(dir, { modelsDir });
      const before = tf.memory().numTensors;
      const queries = await encoder.embed(texts, 'QUERY', { batchSize: 3 });
      const passages = await encoder.embed(texts, 'PASSAGE');
      assert.equal(tf.memory().numTensors, before, 'no tensor outlives embed()');
      assert.equal(queries.length, texts.length);
      for (const v of [...queries, ...passages]) {
        assert.equal(v.length, encoder.dimension);
        assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, `unit length, got ${Math.hypot(...v)}`);
      }
      const direct = (prefix: string) => tf.tidy(() => encoder.pipeline.encoder.encode(encoder.pipeline.tokenize(texts.map((t) => prefix + t))).arraySync());
      const close = (a: Float32Array[], b: number[][]) => a.every((row, i) => row.every((x, k) => Math.abs(x - b[i]![k]!) < 1e-6));
      assert.ok(close(queries, direct('Q> ')), 'queries carry the checkpoint query prefix');
      assert.ok(close(passages, direct('P> ')), 'passages carry the checkpoint passage prefix');
      assert.ok(!close(queries, direct('P> ')), 'the two roles differ');
      assert.deepEqual(await encoder.embed([], 'QUERY'), []);
      encoder.dispose();
    }
  });
});

test('the encoder cache loads a folder once, shares concurrent loads, and disposes what it pushes out', async () => {
  await tf.setBackend('cpu');
  await withCheckpoints([bag, bag, bag], async ([a, b, c]) => {
    const loads: string[] = [];
    const disposed: string[] = [];
    const cache = createEncoderCache({
      capacity: 2,
      modelsDir,
      load: async (dir): Promise<CheckpointEncoder> => {
        loads.push(path.basename(dir));
        const encoder = await loadCheckpointEncoder(dir, { modelsDir });
        return { ...encoder, dispose: () => (disposed.push(path.basename(dir)), encoder.dispose()) };
      },
    });
    const [a1, a2] = await Promise.all([cache.get(a!), cache.get(`${a}/../step-0`)]);
    assert.deepEqual(await a1.embed(texts, 'QUERY'), await a2.embed(texts, 'QUERY'));
    await cache.get(b!);
    await cache.get(a!); // a is now the most recently used
    const c1 = await cache.get(c!);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([loads, disposed, cache.size], [['step-0', 'step-1', 'step-2'], ['step-1'], 2]);

    // An embedding in flight survives its encoder being pushed out (cache: c, a; b pushes c out, c then pushes a out).
    const pending = a1.embed(texts, 'PASSAGE');
    await Promise.all([cache.get(b!).then(() => cache.get(c!)), pending]);
    const vectors = await pending;
    assert.equal(vectors.length, texts.length);
    // Embedding through an encoder that was pushed out loads it again.
    assert.deepEqual(await a1.embed(texts, 'PASSAGE'), vectors);
    assert.deepEqual(loads, ['step-0', 'step-1', 'step-2', 'step-1', 'step-2', 'step-0']);
    assert.equal((await c1.embed(texts, 'QUERY')).length, texts.length);
    cache.clear();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([...disposed].sort(), ['step-0', 'step-0', 'step-1', 'step-1', 'step-2', 'step-2']);
    assert.equal(cache.size, 0);
  });
});
