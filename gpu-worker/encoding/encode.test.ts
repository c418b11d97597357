import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { embedTexts } from './encode.js';

/** Embeds a text as [its length, its first character code]: easy to check row by row. */
const embed = (texts: readonly string[]) => tf.tensor2d(texts.flatMap((t) => [t.length, t.charCodeAt(0)]), [texts.length, 2]);

test('rows come back in input order although batches go by length, and no tensor is left behind', async () => {
  await tf.setBackend('cpu');
  const texts = ['ccc', 'a', 'bbbbb', 'dd', 'e', 'ffff', 'g'];
  const batches: string[][] = [];
  const before = tf.memory().numTensors;
  const progress: number[] = [];
  const { values, dimension } = await embedTexts((t) => (batches.push([...t]), embed(t)), texts, { batchSize: 3, onProgress: (done) => progress.push(done) });
  assert.equal(dimension, 2);
  assert.deepEqual([...values], texts.flatMap((t) => [t.length, t.charCodeAt(0)]));
  assert.deepEqual(batches, [['a', 'e', 'g'], ['dd', 'ccc', 'ffff'], ['bbbbb']], 'shortest first, ties in input order');
  assert.deepEqual(progress, [3, 6, 7]);
  assert.equal(tf.memory().numTensors, before);
});

test('an aborted signal stops before the next batch with its reason; no texts, no rows', async () => {
  const controller = new AbortController();
  let calls = 0;
  const embedOnce = (t: readonly string[]) => {
    if (++calls === 1) controller.abort({ kind: 'cancelled' });
    return embed(t);
  };
  await assert.rejects(embedTexts(embedOnce, ['a', 'b', 'c'], { batchSize: 1, signal: controller.signal }), (reason) => (reason as { kind: string }).kind === 'cancelled');
  assert.equal(calls, 1);
  assert.deepEqual(await embedTexts(embed, []), { values: new Float32Array(0), dimension: 0 });
  await assert.rejects(embedTexts(() => tf.zeros([1, 2]) as tf.Tensor2D, ['a', 'b']), /returned 1 embeddings for 2 texts/);
});
