import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMicroBatcher } from './micro-batch.js';

const doubling = () => {
  const runs: Array<{ key: string; items: number[] }> = [];
  const batcher = createMicroBatcher<number, number>({
    waitMs: 0,
    maxItems: 8,
    async run(key, items) {
      runs.push({ key, items: [...items] });
      await new Promise((resolve) => setTimeout(resolve, 5));
      return items.map((x) => x * 2);
    },
  });
  return { runs, batcher };
};

test('submissions of one key made together share one run, and each gets its own outputs in order', async () => {
  const { runs, batcher } = doubling();
  const results = await Promise.all([batcher.submit('a', [1, 2]), batcher.submit('a', [3]), batcher.submit('a', [4, 5, 6])]);
  assert.deepEqual(results, [[2, 4], [6], [8, 10, 12]]);
  assert.deepEqual(runs, [{ key: 'a', items: [1, 2, 3, 4, 5, 6] }]);
});

test('keys never share a run', async () => {
  const { runs, batcher } = doubling();
  const results = await Promise.all([batcher.submit('a', [1]), batcher.submit('b', [2]), batcher.submit('a', [3])]);
  assert.deepEqual(results, [[2], [4], [6]]);
  assert.deepEqual(runs.map((r) => r.key).sort(), ['a', 'b']);
  assert.deepEqual(runs.find((r) => r.key === 'a')!.items, [1, 3]);
});

test('items arriving while a run is under way go together as the next run; maxItems splits between whole submissions', async () => {
  const { runs, batcher } = doubling();
  const first = batcher.submit('a', [1]);
  await new Promise((resolve) => setImmediate(resolve)); // the first run has started
  const later = [batcher.submit('a', [2, 3, 4]), batcher.submit('a', [5, 6, 7]), batcher.submit('a', [8, 9, 10])];
  assert.deepEqual(await first, [2]);
  assert.deepEqual(await Promise.all(later), [[4, 6, 8], [10, 12, 14], [16, 18, 20]]);
  assert.deepEqual(runs.map((r) => r.items), [[1], [2, 3, 4, 5, 6, 7], [8, 9, 10]]);
});

test('a failed run rejects its own submissions only', async () => {
  let calls = 0;
  const batcher = createMicroBatcher<number, number>({
    waitMs: 1,
    maxItems: 4,
    async run(_key, items) {
      calls++;
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    },
  });
  const bad = batcher.submit('a', [13]);
  const good = batcher.submit('b', [7]);
  await assert.rejects(bad, /unlucky/);
  assert.deepEqual(await good, [7]);
  assert.deepEqual(await batcher.submit('a', [1]), [1]);
  assert.equal(calls, 3);
});

test('a run returning the wrong number of outputs fails its submissions instead of misassigning them', async () => {
  const batcher = createMicroBatcher<number, number>({ waitMs: 0, maxItems: 4, run: async (_key, items) => items.slice(1) });
  await assert.rejects(Promise.all([batcher.submit('a', [1]), batcher.submit('a', [2])]), /returned 1 outputs for 2 items/);
});
