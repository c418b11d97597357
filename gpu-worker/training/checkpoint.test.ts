import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL } from '../../schema/training.js';
import { checkpointPath, loadCheckpoint, saveCheckpoint } from './checkpoint.js';

test('a saved checkpoint loads back with the same weights and manifest', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-ckpt-'));
  try {
    const dir = checkpointPath(root, 'run-1', 20);
    assert.equal(dir, path.join(root, 'run-1', 'step-20'));
    const embedding = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    const bias = Float32Array.from([0.5, -0.25]);
    const info = {
      step: 20,
      model: DEFAULT_MODEL,
      tokenizer: { kind: 'hashed-subwords' as const, vocabularySize: 4, maxLength: 8, ngram: 3 },
      queryPrefix: 'Query: ',
      passagePrefix: 'Passage: ',
      backend: 'cpu',
      metrics: { loss: 1.5 },
    };
    await saveCheckpoint(dir, info, [
      { name: 'embedding', shape: [4, 3], values: embedding },
      { name: 'bias', shape: [2], values: bias },
    ]);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['model.json', 'weights.bin'], 'no temporary files left');
    const { manifest, weights } = await loadCheckpoint(dir);
    assert.equal(manifest.step, 20);
    assert.deepEqual(manifest.tokenizer, info.tokenizer);
    assert.deepEqual(manifest.metrics, { loss: 1.5 });
    assert.deepEqual(weights.get('embedding'), embedding);
    assert.deepEqual(weights.get('bias'), bias);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
