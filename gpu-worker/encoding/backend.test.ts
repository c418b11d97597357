import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, selectBackend } from './backend.js';
import { embeddingLookup } from './embedding.js';
import { loadNative } from './native/addon.js';

// Stands in for a machine without the native packages, whatever this one has installed.
const withoutNative = (specifier: string) =>
  specifier.startsWith('@tensorflow/tfjs-node') ? Promise.reject(new Error(`Cannot find package '${specifier}'`)) : import(specifier);
// ... and without the project's native kernels either (no compiler at install).
const withoutAnyNative = (specifier: string) =>
  specifier.includes('/native/') ? Promise.reject(new Error('native kernels were not built: g++ not found')) : withoutNative(specifier);

test("without TensorFlow's native packages the choice is the project's native kernels, and the reason says why", async () => {
  const native = loadNative();
  const choice = await selectBackend({ importModule: withoutNative });
  if (native.kind === 'unavailable') {
    assert.equal(choice.name, 'wasm');
    assert.match(choice.reason, new RegExp(`^tfjs-node-gpu not installed; tfjs-node not installed; native-cpu .*; SIMD on$`));
    return;
  }
  assert.equal(choice.name, 'native-cpu');
  assert.equal(tf.getBackend(), 'native-cpu');
  assert.match(describeBackend(choice), new RegExp(`^native-cpu \\(tfjs-node-gpu not installed; tfjs-node not installed; native kernels \\(${native.isa}, ${native.addon.threads} threads\\) for `));
});

test('without any native code the choice is WASM with SIMD, and the reason says why', async () => {
  const lines: string[] = [];
  const choice = await selectBackend({ importModule: withoutAnyNative, log: (l) => lines.push(l) });
  assert.equal(choice.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const reason = 'tfjs-node-gpu not installed; tfjs-node not installed; native-cpu native kernels were not built: g++ not found; SIMD on';
  assert.equal(choice.reason, reason);
  assert.equal(describeBackend(choice), `wasm (${reason})`);
  assert.deepEqual(lines, [`tensorflow backend wasm (${reason})`]);
});

test('the embedding gradient runs on WASM, which has no UnsortedSegmentSum', async () => {
  await selectBackend({ prefer: 'wasm' });
  const table = tf.variable(tf.ones([5, 2])) as tf.Variable<tf.Rank.R2>;
  const { grads } = tf.variableGrads(() => tf.sum(embeddingLookup(table, tf.tensor2d([[0, 4], [4, 4]], [2, 2], 'int32'))), [table]);
  assert.deepEqual([...grads[table.name]!.dataSync()], [1, 1, 0, 0, 0, 0, 0, 0, 3, 3]);
  // The reason for the custom gradient: gather's own gradient does not run here.
  assert.throws(() => tf.variableGrads(() => tf.sum(tf.gather(table, tf.tensor1d([0, 4], 'int32'))), [table]), /UnsortedSegmentSum/);
  table.dispose();
});

test('TF_BACKEND picks a backend, and an unavailable one is an error rather than a silent fallback', async () => {
  const cpu = await selectBackend({ prefer: 'cpu' });
  assert.equal(describeBackend(cpu), 'cpu (TF_BACKEND=cpu; pure-JS kernels)');
  assert.equal(tf.getBackend(), 'cpu');
  await assert.rejects(selectBackend({ prefer: 'tensorflow', importModule: withoutNative }), /TF_BACKEND=tensorflow is unavailable: not installed/);
  assert.equal((await selectBackend({ prefer: 'wasm' })).name, 'wasm', 'switching back to an initialised WASM backend works');
});

test('native TensorFlow comes first on a CUDA device, and second when the GPU build finds none', async () => {
  // A stand-in for the native packages: they register a "tensorflow" backend when imported.
  const fakeNative = (gpu: boolean) => async (specifier: string) => {
    if (!specifier.startsWith('@tensorflow/tfjs-node')) return import(specifier);
    if (!tf.findBackend('tensorflow')) {
      tf.registerBackend('tensorflow', () => Object.assign(tf.findBackendFactory('cpu')!() as tf.KernelBackend, { isUsingGpuDevice: gpu }));
    }
    return {};
  };
  try {
    assert.deepEqual(await selectBackend({ importModule: fakeNative(false) }), {
      name: 'tensorflow',
      reason: 'tfjs-node-gpu no CUDA device; native TensorFlow on the CPU',
    });
    tf.removeBackend('tensorflow');
    assert.deepEqual(await selectBackend({ importModule: fakeNative(true) }), { name: 'tensorflow-gpu', reason: 'CUDA device' });
  } finally {
    tf.removeBackend('tensorflow');
    await selectBackend({ prefer: 'wasm' });
  }
});
