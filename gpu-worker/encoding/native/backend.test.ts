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

test('rowDots equals the dot products of every row with every query, on every instruction set, and refuses short arrays', { skip: !registered.ok && 'native kernels unavailable' }, () => {
  const native = loadNative();
  assert.equal(native.kind, 'loaded');
  if (native.kind !== 'loaded') return;
  const isas = ['generic', 'avx2', 'avx512'].filter((isa) => native.addon.useIsa(isa) === isa);
  for (const isa of isas) {
    native.addon.useIsa(isa);
    // Odd dimensions exercise the masked tail; 5,000 rows x 64 is split across the threads.
    for (const [count, d, n] of [[1, 1, 1], [7, 5, 3], [33, 17, 2], [5000, 64, 4], [9, 70, 0]] as const) {
      const rows = Float32Array.from(random([count, d], count + d));
      const queries = Float32Array.from(random([Math.max(n, 1), d], 7 * d));
      const out = new Float32Array(count * n).fill(Number.NaN);
      native.addon.rowDots(rows, count, d, queries, n, out);
      for (let r = 0; r < count; r++) {
        for (let j = 0; j < n; j++) {
          let expected = 0;
          let size = 0;
          for (let p = 0; p < d; p++) {
            expected += rows[r * d + p]! * queries[j * d + p]!;
            size += Math.abs(rows[r * d + p]! * queries[j * d + p]!);
          }
          assert.ok(Math.abs(out[r * n + j]! - expected) <= 1e-6 * size + 1e-7, `${isa} [${count}, ${d}, ${n}] row ${r} query ${j}: ${out[r * n + j]} vs ${expected}`);
        }
      }
    }
    assert.throws(() => native.addon.rowDots(new Float32Array(10), 3, 4, new Float32Array(4), 1, new Float32Array(3)), /shorter than the sizes/);
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

test('layout, broadcasting arithmetic, reductions, softmax, exp and erf equal the CPU kernels', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const x = random([3, 5, 7, 2], 21);
  const shapes: Array<[number[], number[]]> = [
    [[3, 5, 7, 2], [3, 5, 7, 2]],
    [[3, 5, 7, 2], [2]],
    [[3, 5, 7, 2], [5, 1, 1]],
    [[1], [3, 5, 7, 2]],
    [[3, 1, 7, 1], [1, 5, 1, 2]],
    [[], [4, 3]],
  ];
  const ops = [tf.add, tf.sub, tf.mul, tf.div] as const;
  for (const [sa, sb] of shapes) {
    for (const [i, op] of ops.entries()) {
      const a = random(sa, 30 + i);
      // Division: keep the divisor away from 0.
      const b = random(sb, 40 + i).map((v) => (i === 3 ? 0.5 + Math.abs(v) : v));
      const { reference, native } = await both(() => tf.tidy(() => op(tf.tensor(a, sa), tf.tensor(b, sb))));
      assertClose(native, reference, Math.max(1, ...reference.map(Math.abs)), `${op.name} ${JSON.stringify([sa, sb])}`);
    }
  }
  const cases: Array<[string, () => tf.Tensor]> = [
    ['transpose [2,0,3,1]', () => tf.transpose(tf.tensor(x, [3, 5, 7, 2]), [2, 0, 3, 1])],
    ['slice', () => tf.slice(tf.tensor(x, [3, 5, 7, 2]), [1, 2, 0, 1], [2, -1, 4, 1])],
    ['split on axis 2', () => tf.concat(tf.split(tf.tensor(x, [3, 5, 7, 2]), [3, 4], 2).map((t) => t.reshape([-1])))],
    ['sum over axes 1 and 3, kept', () => tf.sum(tf.tensor(x, [3, 5, 7, 2]), [1, 3], true)],
    ['sum over the last axis', () => tf.sum(tf.tensor(x, [3, 5, 7, 2]), -1)],
    ['mean over axis 0', () => tf.mean(tf.tensor(x, [3, 5, 7, 2]), 0)],
    ['sum of everything', () => tf.sum(tf.tensor(x, [3, 5, 7, 2]))],
    ['softmax', () => tf.softmax(tf.tensor(x, [3, 5, 14]).mul(5))],
    ['gather rows', () => tf.gather(tf.tensor(x, [15, 14]), tf.tensor2d([[3, 0, 14], [7, 7, 1]], [2, 3], 'int32'))],
    ['gather on axis 1 (the CPU kernel)', () => tf.gather(tf.tensor(x, [15, 14]), tf.tensor1d([2, 13], 'int32'), 1)],
    ['sum over a middle block', () => tf.sum(tf.tensor(x, [3, 5, 7, 2]), [1, 2])],
    ['exp', () => tf.exp(tf.tensor(x, [3, 5, 7, 2]))],
    ['square, sqrt, rsqrt, log of |x| + 0.1', () => {
      const t = tf.abs(tf.tensor(x, [3, 5, 7, 2])).add(0.1);
      return tf.concat([tf.square(t), tf.sqrt(t), tf.rsqrt(t), tf.log(t)].map((u) => u.reshape([-1])));
    }],
    ['tanh and neg', () => tf.concat([tf.tanh(tf.tensor(x, [210]).mul(3)), tf.neg(tf.tensor(x, [210]))])],
    ['maximum, broadcast', () => tf.maximum(tf.tensor(x, [3, 5, 7, 2]), tf.tensor(random([7, 1], 5), [7, 1]))],
    ['scatterND with repeated rows', () => tf.scatterND(tf.tensor2d([[3], [0], [3], [9]], [4, 1], 'int32'), tf.tensor(random([4, 6], 8), [4, 6]), [10, 6])],
    ['scatterND into a 3-D shape', () => tf.scatterND(tf.tensor2d([[1, 2], [0, 0], [1, 2]], [3, 2], 'int32'), tf.tensor(random([3, 5], 9), [3, 5]), [2, 3, 5])],
    ['erf', () => tf.erf(tf.tensor(x, [3, 5, 7, 2]).mul(3))],
  ];
  for (const [what, run] of cases) {
    const { reference, native } = await both(() => tf.tidy(run));
    assertClose(native, reference, Math.max(1, ...reference.map(Math.abs)), what);
  }
});

test('a training step of a small transformer gives the same loss and gradients on both backends', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const { createTransformerEncoder } = await import('../transformer.js');
  const { DEFAULT_MODEL } = await import('../../../schema/training.js');
  const model = { ...DEFAULT_MODEL, family: 'TRANSFORMER' as const, dimension: 32, layers: 2, heads: 4, ffnDimension: 64, vocabularySize: 100, maxLength: 12 };
  const ids = Int32Array.from({ length: 6 * 12 }, (_, i) => 2 + ((i * 37) % 97));
  const mask = Float32Array.from({ length: 6 * 12 }, (_, i) => (i % 12 < 4 + (Math.floor(i / 12) % 8) ? 1 : 0));
  const batch = { ids, mask, rows: 6, width: 12 };
  const { reference, native } = await both(() => {
    const encoder = createTransformerEncoder(model, { rows: 100, seed: 3 });
    const result = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const e = encoder.encode(batch);
        const logits = tf.matMul(e, e.reverse(0), false, true).mul(20);
        return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(e, e.reverse(0)), 1).mul(20))) as tf.Scalar;
      }, encoder.weights.map((w) => w.variable));
      return tf.concat([value.reshape([1]), ...Object.values(grads).map((g) => g.reshape([-1]))]);
    });
    encoder.dispose();
    return result;
  });
  assertClose(native.subarray(0, 1), reference.subarray(0, 1), Math.abs(reference[0]!), 'loss');
  assertClose(native, reference, Math.max(...reference.map(Math.abs)), 'loss and every gradient');
});

test('the bag-of-subwords pooling, forward and gradient, equals the composite form', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const { createBagOfSubwordsEncoder } = await import('../encoder.js');
  const { DEFAULT_MODEL } = await import('../../../schema/training.js');
  const ids = Int32Array.from({ length: 5 * 9 }, (_, i) => (i * 31) % 50);
  // Row 4 has no token at all: zeros, as the composite form gives.
  const mask = Float32Array.from({ length: 5 * 9 }, (_, i) => (Math.floor(i / 9) < 4 && i % 9 < 3 + Math.floor(i / 9) ? 1 : 0));
  const batch = { ids, mask, rows: 5, width: 9 };
  const { reference, native } = await both(() => {
    const encoder = createBagOfSubwordsEncoder({ ...DEFAULT_MODEL, dimension: 16, vocabularySize: 50 }, 5);
    const result = tf.tidy(() => {
      const weights = encoder.weights.map((w) => w.variable);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(encoder.encode(batch), tf.linspace(-1, 1, 16))) as tf.Scalar, weights);
      return tf.concat([encoder.encode(batch).reshape([-1]), value.reshape([1]), ...Object.values(grads).map((g) => g.reshape([-1]))]);
    });
    encoder.dispose();
    return result;
  });
  assertClose(native, reference, Math.max(...reference.map(Math.abs)), 'embeddings, loss and table gradient');
});

test('ten training steps follow the same loss curve on both backends', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const { createTransformerEncoder } = await import('../transformer.js');
  const { DEFAULT_MODEL } = await import('../../../schema/training.js');
  const { createAdamW, clipByGlobalNorm } = await import('../../training/optimizer.js');
  const { infoNce } = await import('../../training/loss.js');
  const model = { ...DEFAULT_MODEL, family: 'TRANSFORMER' as const, dimension: 32, layers: 2, heads: 4, ffnDimension: 64, vocabularySize: 100, maxLength: 10 };
  const batchOf = (offset: number) => ({
    ids: Int32Array.from({ length: 8 * 10 }, (_, i) => 2 + ((i * 37 + offset) % 97)),
    mask: Float32Array.from({ length: 8 * 10 }, (_, i) => (i % 10 < 3 + (Math.floor(i / 10) % 7) ? 1 : 0)),
    rows: 8,
    width: 10,
  });
  const { reference, native } = await both(() => {
    const encoder = createTransformerEncoder(model, { rows: 100, seed: 9 });
    const variables = encoder.weights.map((w) => w.variable);
    const adam = createAdamW(variables, { weightDecay: 0.01 });
    const losses: number[] = [];
    for (let step = 0; step < 10; step++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => infoNce(encoder.encode(batchOf(step)), encoder.encode(batchOf(step + 50)), { scale: 20 }), variables);
        const { gradients } = clipByGlobalNorm(variables.map((v) => grads[v.name]!), 1);
        adam.apply(new Map(variables.map((v, j) => [v, gradients[j]!])), 1e-2);
        losses.push(value.dataSync()[0]!);
      });
    }
    adam.dispose();
    encoder.dispose();
    return tf.tensor1d(losses);
  });
  assert.ok(reference[9]! < reference[0]!, `the loss falls: ${[...reference].map((l) => l.toFixed(3)).join(' ')}`);
  assertClose(native, reference, Math.max(...reference.map(Math.abs)), `loss curve ${[...native].map((l) => l.toFixed(4)).join(' ')}`);
});

test('output arrays are reused after dispose, never while a reader or another tensor still sees them', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  await tf.setBackend(NATIVE_BACKEND);
  const backend = tf.backend() as unknown as { data: { get(id: object): { values: unknown } } };
  const arrayOf = (t: tf.Tensor) => backend.data.get(t.dataId).values;
  const [xs, ys] = [random([4, 1000], 1), random([4, 1000], 2)];
  const x = tf.tensor2d(xs, [4, 1000]);
  const y = tf.tensor2d(ys, [4, 1000]);
  const sum = tf.add(x, y);
  const reused = arrayOf(sum);
  sum.dispose();
  const difference = tf.sub(x, y);
  assert.equal(arrayOf(difference), reused, 'the disposed sum array holds the difference');
  difference.dispose();

  const read = tf.add(x, y);
  const values = read.dataSync() as Float32Array;
  read.dispose();
  const product = tf.mul(x, y);
  const rows = tf.unstack(product); // the CPU kernel slices: views of the product's array
  product.dispose();
  for (let i = 0; i < 4; i++) tf.tidy(() => [tf.sub(x, y), tf.mul(x, 3), tf.div(x, 2), tf.sub(x, y).reshape([4000]), tf.exp(x)]);

  const after = tf.add(x, y);
  assert.notEqual(arrayOf(after), values);
  values.forEach((v, i) => assert.equal(v, Math.fround(xs[i]! + ys[i]!), `read value ${i}`));
  rows.forEach((row, r) => (row.dataSync() as Float32Array).forEach((v, i) => assert.equal(v, Math.fround(xs[r * 1000 + i]! * ys[r * 1000 + i]!), `row ${r} value ${i}`)));
  tf.dispose([x, y, after, ...rows]);
  await tf.setBackend('cpu');
});

test('kernels split across threads give the CPU kernels results on large shapes', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const native = loadNative();
  assert.equal(native.kind === 'loaded' && native.addon.threads, Math.min((await import('node:os')).cpus().length, 8));
  // 256,743 elements: a few ranges per thread, each starting inside a row.
  const shape = [3, 333, 257];
  const x = random(shape, 51);
  const y = random([333, 1], 52);
  const cases: Array<[string, () => tf.Tensor]> = [
    ['add, broadcast', () => tf.add(tf.tensor(x, shape), tf.tensor(y, [333, 1]))],
    ['multiply', () => tf.mul(tf.tensor(x, shape), tf.tensor(x, shape))],
    ['transpose [2, 0, 1]', () => tf.transpose(tf.tensor(x, shape), [2, 0, 1])],
    ['sum over axis 1', () => tf.sum(tf.tensor(x, shape), 1)],
    ['sum over axis 0', () => tf.sum(tf.tensor(x, shape), 0)],
    ['mean over the last axis', () => tf.mean(tf.tensor(x, shape), -1)],
    ['softmax', () => tf.softmax(tf.tensor(x, shape).mul(4))],
    ['exp, erf, tanh', () => tf.concat([tf.exp(tf.tensor(x, shape)), tf.erf(tf.tensor(x, shape).mul(2)), tf.tanh(tf.tensor(x, shape).mul(2))])],
    ['gather rows', () => tf.gather(tf.tensor(x, [999, 257]), tf.tensor1d(Array.from({ length: 1500 }, (_, i) => (i * 7919) % 999), 'int32'))],
    ['concat on axis 1', () => tf.concat([tf.tensor(x, shape), tf.tensor(x, shape).slice([0, 0, 0], [3, 100, 257])], 1)],
    ['concat on axis 2, three parts', () => tf.concat([tf.tensor(x, shape), tf.tensor(x, [3, 333, 257]).slice([0, 0, 5], [3, 333, 1]), tf.tensor(x, shape)], 2)],
    ['matMul', () => tf.matMul(tf.tensor(x, [999, 257]), tf.tensor(x.subarray(0, 257 * 61), [257, 61]))],
  ];
  for (const [what, run] of cases) {
    const { reference, native } = await both(() => tf.tidy(run));
    assertClose(native, reference, reference.reduce((a, v) => Math.max(a, Math.abs(v)), 1), what);
  }
});

test('the fused AdamW kernel updates parameters and moments as the composite form does', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const { createAdamW } = await import('../../training/optimizer.js');
  const shapes = [[300, 257], [7], [1]];
  const { reference, native } = await both(() => {
    const variables = shapes.map((shape, i) => tf.variable(tf.tensor(random(shape, 60 + i), shape), true, `adamw-${i}`));
    const adam = createAdamW(variables, { weightDecay: 0.05, decays: (v) => v.name !== 'adamw-1' });
    for (let step = 0; step < 4; step++) {
      const gradients = new Map(variables.map((v, i) => [v, tf.tensor(random(v.shape, 70 + 10 * step + i), v.shape)] as const));
      adam.apply(gradients, 1e-2 * (step + 1));
      tf.dispose([...gradients.values()]);
    }
    const { m, v } = adam.state();
    const result = tf.concat([...variables.map((x) => x.reshape([-1])), tf.tensor1d(m.flatMap((a) => [...a])), tf.tensor1d(v.flatMap((a) => [...a]))]);
    adam.dispose();
    tf.dispose(variables);
    return result;
  });
  assertClose(native, reference, 1, 'parameters, first and second moments after four steps');
});

test('matMul broadcasts batch shapes of different ranks to the CPU kernel\'s output shape', { skip: !registered.ok && 'native kernels unavailable' }, async () => {
  const cases: Array<[number[], number[]]> = [
    [[3, 2, 4], [1, 1, 4, 5]],
    [[2, 4], [1, 1, 4, 5]],
    [[1, 2, 4], [2, 3, 4, 5]],
    [[2, 3, 2, 4], [3, 4, 5]],
  ];
  for (const [sa, sb] of cases) {
    const shapes: number[][] = [];
    const { reference, native } = await both(() => {
      const product = tf.matMul(tf.tensor(random(sa, 80), sa), tf.tensor(random(sb, 81), sb));
      shapes.push(product.shape);
      return product;
    });
    assert.deepEqual(shapes[1], shapes[0], `shape of ${JSON.stringify([sa, sb])}`);
    assertClose(native, reference, 4, `values of ${JSON.stringify([sa, sb])}`);
  }
});
