// The native matrix products against TF.js's own CPU kernels: random and odd shapes, every
// transposition, batch broadcasting, bias, every instruction set this CPU has; and gradients
// through them. Relative error is measured against the size of the terms (sum of |a||b|).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { dense } from '../transformer-ops.js';
import { loadNative } from './addon.js';
import { NATIVE_BACKEND, registerNativeBackend } from './backend.js';

const hasCompiler = (() => {
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

await tf.setBackend('cpu');
const registered = registerNativeBackend();

test('the native kernels are built and load wherever g++ exists; otherwise the reason is given', () => {
  const status = loadNative();
  if (hasCompiler) assert.equal(status.kind, 'loaded', status.kind === 'unavailable' ? status.reason : '');
  else assert.equal(status.kind === 'unavailable' && status.reason.length > 0, true);
  assert.equal(registered.ok, status.kind === 'loaded');
});

/** Values of `run` on the reference cpu backend and on native-cpu (the result is disposed). */
async function both(run: () => tf.Tensor): Promise<{ reference: Float32Array; native: Float32Array }> {
  const valuesOn = async (backend: string) => {
    await tf.setBackend(backend);
    const result = run();
    const values = Float32Array.from(result.dataSync() as Float32Array);
    result.dispose();
    return values;
  };
  const reference = await valuesOn('cpu');
  const native = await valuesOn(NATIVE_BACKEND);
  await tf.setBackend('cpu');
  return { reference, native };
}

function random(shape: number[], seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

function assertClose(native: Float32Array, reference: Float32Array, scale: number, what: string) {
  assert.equal(native.length, reference.length, what);
  let worst = 0;
  for (let i = 0; i < native.length; i++) worst = Math.max(worst, Math.abs(native[i]! - reference[i]!) / scale);
  assert.ok(worst <= 1e-5, `${what}: relative error ${worst}`);
}

test('matMul, batched matMul and fused matMul with bias equal the CPU kernels on every instruction set', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const native = loadNative();
  assert.equal(native.kind, 'loaded');
  if (native.kind !== 'loaded') return;
  const isas = ['generic', 'avx2', 'avx512'].filter((isa) => native.addon.useIsa(isa) === isa);
  assert.ok(isas.includes('generic'));
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[1, 1], [1, 1], false, false],
    [[7, 5], [5, 13], false, false],
    [[5, 7], [5, 13], true, false],
    [[7, 5], [13, 5], false, true],
    [[5, 7], [13, 5], true, true],
    [[3, 33, 127], [3, 127, 65], false, false],
    [[2, 4, 17, 40], [2, 4, 9, 40], false, true],
    [[6, 19, 70], [70, 50], false, false],
    [[130, 300], [300, 129], false, false],
  ];
  for (const isa of isas) {
    native.addon.useIsa(isa);
    for (const [i, [sa, sb, ta, tb]] of cases.entries()) {
      const a = random(sa, 1 + i);
      const b = random(sb, 100 + i);
      const k = ta ? sa[sa.length - 2]! : sa[sa.length - 1]!;
      const { reference, native: out } = await both(() => tf.tidy(() => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb)));
      assertClose(out, reference, k, `${isa} matMul ${JSON.stringify([sa, sb, ta, tb])}`);
    }
    const n = 37;
    const bias = random([n], 7);
    const { reference, native: out } = await both(() =>
      tf.tidy(() => tf.fused.matMul({ a: tf.tensor(random([45, 61], 3), [45, 61]), b: tf.tensor(random([61, n], 4), [61, n]), bias: tf.tensor(bias, [n]) })),
    );
    assertClose(out, reference, 61, `${isa} fused matMul with bias`);
  }
  native.addon.useIsa('');
});

test('gradients through the dense layer match, and no tensor is left behind', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const x = random([33, 48], 11);
  const w = random([48, 20], 12);
  const bias = random([20], 13);
  const grads = async () =>
    both(() =>
      tf.tidy(() => {
        const f = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.square(dense(xs as tf.Tensor2D, ws as tf.Tensor2D, bs as tf.Tensor1D)));
        const [gx, gw, gb] = tf.grads(f)([tf.tensor2d(x, [33, 48]), tf.tensor2d(w, [48, 20]), tf.tensor1d(bias)]);
        return tf.concat([gx!.reshape([-1]), gw!.reshape([-1]), gb!.reshape([-1])]);
      }),
    );
  await tf.setBackend(NATIVE_BACKEND);
  const before = tf.memory().numTensors;
  const { reference, native } = await grads();
  await tf.setBackend(NATIVE_BACKEND);
  assert.equal(tf.memory().numTensors, before);
  const scale = Math.max(...reference.map(Math.abs));
  assertClose(native, reference, scale, 'gradients of sum(dense(x)^2)');
});
