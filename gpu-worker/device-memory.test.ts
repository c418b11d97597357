import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceMemoryBytes, parseNvidiaSmiMemory } from './device-memory.js';

test('nvidia-smi\'s MiB of the first GPU; anything else is unknown', () => {
  assert.equal(parseNvidiaSmiMemory('24576\n16384\n'), 24576 * 2 ** 20);
  assert.equal(parseNvidiaSmiMemory('\n  81920 \n'), 81920 * 2 ** 20);
  assert.equal(parseNvidiaSmiMemory('[N/A]\n'), null);
  assert.equal(parseNvidiaSmiMemory(''), null);
});

test('a configured size wins; only a tensorflow-gpu worker asks nvidia-smi, and a failure is logged, not thrown', async () => {
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const calls: string[][] = [];
  const run = async (file: string, args: string[]) => (calls.push([file, ...args]), '40960\n');
  assert.equal(await deviceMemoryBytes({ backend: 'tensorflow-gpu', configured: 123, run, log }), 123);
  assert.equal(await deviceMemoryBytes({ backend: 'native-cpu', run, log }), null);
  assert.deepEqual(calls, []);
  assert.equal(await deviceMemoryBytes({ backend: 'tensorflow-gpu', run, log }), 40960 * 2 ** 20);
  assert.deepEqual(calls, [['nvidia-smi', '--query-gpu=memory.total', '--format=csv,noheader,nounits']]);
  assert.equal(await deviceMemoryBytes({ backend: 'tensorflow-gpu', run: async () => { throw new Error('ENOENT'); }, log }), null);
  assert.match(logs.at(-1)!, /WORKER_DEVICE_MEMORY_BYTES/);
});
