// 'native-cpu': TF.js's CPU backend with the kernels that dominate training replaced by the
// project's native ones: matrix products (BatchMatMul, _FusedMatMul; widest SIMD), the layout
// kernels (Transpose, Slice, SplitV, Concat, GatherV2, ScatterNd), the broadcasting arithmetic
// (Add, Sub, Multiply, RealDiv, Maximum), reductions (Sum, Mean), Softmax and the unary Exp, Erf,
// Square, Rsqrt, Sqrt, Tanh, Log, Neg, on float32, large work split across the cores; plus two
// kernels of the project's own, the bag-of-subwords pooling and the AdamW update. Anything else,
// or another dtype, runs the CPU backend's own kernel; the gradients are registered by kernel
// name, so they apply unchanged. The reference 'cpu' backend stays registered, which is what the
// equality tests compare against.

import * as tf from '@tensorflow/tfjs';
import { loadNative, type NativeAddon } from './addon.js';
import { OutputPool } from './pool.js';

export const NATIVE_BACKEND = 'native-cpu';
/** Masked mean of table rows: inputs table [vocabulary, width], ids [rows, tokens] int32, mask [rows, tokens]. */
export const BAG_MEAN = 'XlingBagMean';
/** Its gradient for the table: inputs dy [rows, width], ids, mask; attrs vocabulary. */
export const BAG_MEAN_GRAD = 'XlingBagMeanGrad';
/**
 * One AdamW update (gpu-worker/training/optimizer.ts): inputs param, m, v, g of one shape; attrs
 * beta1, beta2, epsilon, correction1, correction2, decay, learningRate; outputs param, m, v.
 */
export const ADAMW = 'XlingAdamW';

interface CpuBackend extends tf.KernelBackend {
  data: { get(dataId: object): { values: unknown }; has(dataId: object): boolean };
  write(values: unknown, shape: number[], dtype: tf.DataType): object;
  move(dataId: object, values: unknown, shape: number[], dtype: tf.DataType, refCount: number): void;
  disposeData(dataId: object, force?: boolean): boolean;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

interface NativeCpuBackend extends CpuBackend {
  /** Where every native kernel takes its output array. */
  readonly pool: OutputPool;
}

/** Disposed outputs kept for reuse: about two training steps of the default model's optimizer arrays. */
const POOL_BYTES = 256 * 2 ** 20;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: NativeCpuBackend; attrs?: tf.NamedAttrMap };

const valuesOf = (backend: NativeCpuBackend, t: tf.TensorInfo) => backend.data.get(t.dataId).values as Float32Array;
/** Dense float32 values of the tensor's size (the CPU backend keeps some tensors in other forms). */
const dense = (backend: NativeCpuBackend, t: tf.TensorInfo) => {
  const values = backend.data.get(t.dataId).values;
  return t.dtype === 'float32' && values instanceof Float32Array && values.length === size(t.shape);
};
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** The values as float32, copied when another kernel left them in another array type (an int32 Cast shares its input's). */
const floatsOf = (backend: NativeCpuBackend, t: tf.TensorInfo) =>
  dense(backend, t) ? valuesOf(backend, t) : Float32Array.from(backend.data.get(t.dataId).values as ArrayLike<number>);

/** The product in native code, or null when the inputs are outside what it handles (the caller falls back). */
function nativeMatMul(addon: NativeAddon, backend: NativeCpuBackend, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, bias: tf.TensorInfo | null): tf.TensorInfo | null {
  if (!dense(backend, a) || !dense(backend, b) || (bias && !dense(backend, bias))) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = size(outerA);
  const batchB = size(outerB);
  // Batch broadcasting only between equal batch shapes or a single matrix (whose extra leading
  // 1s still count in the output's rank, as TF.js broadcasts); anything else falls back.
  if (!(batchA === batchB && outerA.join() === outerB.join()) && batchA !== 1 && batchB !== 1) return null;
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  // A bias over columns only: [n], [1, n], ...
  if (bias && (size(bias.shape) !== n || bias.shape[bias.shape.length - 1] !== n)) return null;
  const batch = Math.max(batchA, batchB);
  const out = backend.pool.take(batch * m * n);
  addon.matmul(valuesOf(backend, a), valuesOf(backend, b), out, batch, m, n, k, transposeA, transposeB, batchA, batchB, bias ? valuesOf(backend, bias) : null);
  return backend.makeTensorInfo([...outer, m, n], 'float32', out);
}

const stridesOf = (shape: readonly number[]) => {
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
};

/** A contiguous copy of the view of x at `offset` with `strides`, shaped `shape`. */
function copyView(addon: NativeAddon, backend: NativeCpuBackend, x: tf.TensorInfo, offset: number, strides: number[], shape: number[]): tf.TensorInfo {
  const out = backend.pool.take(size(shape));
  addon.copy(valuesOf(backend, x), offset, Int32Array.from(strides), Int32Array.from(shape), out);
  return backend.makeTensorInfo(shape, 'float32', out);
}

const BINARY_OPS: Readonly<Record<string, number>> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4 };

function binary(addon: NativeAddon, backend: NativeCpuBackend, op: number, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  if (!dense(backend, a) || !dense(backend, b)) return null;
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  if (shape.length > 8) return null;
  // Right-aligned broadcasting: a dimension of 1 (or a missing one) repeats with stride 0.
  const broadcastStrides = (s: readonly number[]) => {
    const own = stridesOf(s);
    return shape.map((_, d) => {
      const i = d - (shape.length - s.length);
      return i < 0 || s[i] === 1 ? 0 : own[i]!;
    });
  };
  const out = backend.pool.take(size(shape));
  addon.binary(op, valuesOf(backend, a), 0, Int32Array.from(broadcastStrides(a.shape)), valuesOf(backend, b), 0, Int32Array.from(broadcastStrides(b.shape)), Int32Array.from(shape), out);
  return backend.makeTensorInfo(shape, 'float32', out);
}

/** Registers 'native-cpu' (once); false, with the reason, when the addon is unavailable. */
export function registerNativeBackend(): { ok: true; isa: string; threads: number } | { ok: false; reason: string } {
  const native = loadNative();
  if (native.kind === 'unavailable') return { ok: false, reason: native.reason };
  if (tf.findBackendFactory(NATIVE_BACKEND)) return { ok: true, isa: native.isa, threads: native.addon.threads };
  const cpu = tf.findBackend('cpu');
  if (!cpu) return { ok: false, reason: "TF.js's cpu backend is not registered" };
  const CpuClass = Object.getPrototypeOf(cpu).constructor as new () => CpuBackend;
  // The CPU backend, told when its arrays change hands so that the pool reuses only unshared ones.
  class NativeCpu extends CpuClass implements NativeCpuBackend {
    readonly pool = new OutputPool(POOL_BYTES);
    override write(values: unknown, shape: number[], dtype: tf.DataType) {
      this.pool.held(values);
      return super.write(values, shape, dtype);
    }
    override move(dataId: object, values: unknown, shape: number[], dtype: tf.DataType, refCount: number) {
      this.pool.held(values);
      super.move(dataId, values, shape, dtype, refCount);
    }
    override readSync(dataId: object) {
      // The CPU backend hands out its own array (dataSync, read, bufferSync): it is the reader's now.
      if (this.data.has(dataId)) this.pool.escaped(this.data.get(dataId).values);
      return super.readSync(dataId);
    }
    override disposeData(dataId: object, force = false) {
      const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
      const result = super.disposeData(dataId, force);
      if (values !== undefined && !this.data.has(dataId)) this.pool.released(values);
      return result;
    }
  }
  tf.registerBackend(NATIVE_BACKEND, () => new NativeCpu(), 0);
  tf.copyRegisteredKernels('cpu', NATIVE_BACKEND);
  const { addon } = native;
  const register = (kernelName: string, run: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]) =>
    tf.registerKernel({ kernelName, backendName: NATIVE_BACKEND, kernelFunc: run as unknown as tf.KernelFunc });
  /** The CPU kernel's place taken by `run`, which answers null for what it leaves to the CPU kernel. */
  const override = (kernelName: string, run: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | null) => {
    const reference = tf.getKernel(kernelName, 'cpu')!;
    tf.unregisterKernel(kernelName, NATIVE_BACKEND);
    register(kernelName, (args) => run(args) ?? (reference.kernelFunc(args as never) as tf.TensorInfo));
  };
  override('BatchMatMul', ({ inputs, backend, attrs }) =>
    nativeMatMul(addon, backend, inputs.a!, inputs.b!, Boolean(attrs?.transposeA), Boolean(attrs?.transposeB), null),
  );
  for (const [kernelName, op] of Object.entries(BINARY_OPS)) override(kernelName, ({ inputs, backend }) => binary(addon, backend, op, inputs.a!, inputs.b!));
  override('Transpose', ({ inputs, backend, attrs }) => {
    const x = inputs.x!;
    const perm = attrs!.perm as number[];
    if (!dense(backend, x) || x.shape.length > 8) return null;
    const strides = stridesOf(x.shape);
    return copyView(addon, backend, x, 0, perm.map((p) => strides[p]!), perm.map((p) => x.shape[p]!));
  });
  override('Slice', ({ inputs, backend, attrs }) => {
    const x = inputs.x!;
    if (!dense(backend, x) || x.shape.length > 8) return null;
    const [begin, sliceSize] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs!.begin as number[], attrs!.size as number[]) as [number[], number[]];
    const strides = stridesOf(x.shape);
    return copyView(addon, backend, x, begin.reduce((at, b, d) => at + b * strides[d]!, 0), strides, sliceSize);
  });
  override('SplitV', ({ inputs, backend, attrs }) => {
    const x = inputs.x!;
    if (!dense(backend, x) || x.shape.length > 8) return null;
    const axis = tf.util.parseAxisParam(attrs!.axis as number, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs!.numOrSizeSplits as number[] | number, axis);
    const strides = stridesOf(x.shape);
    let start = 0;
    return sizes.map((s) => {
      const shape = [...x.shape];
      shape[axis] = s;
      const part = copyView(addon, backend, x, start * strides[axis]!, strides, shape);
      start += s;
      return part;
    });
  });
  /** Sum or mean over `axis`: directly when the axes are one contiguous block, else after moving them last. */
  const reduce = (mean: boolean) => ({ inputs, backend, attrs }: KernelArgs) => {
    const x = inputs.x!;
    if (!dense(backend, x) || x.shape.length > 8) return null;
    const axes = [...tf.util.parseAxisParam(attrs!.axis as number | number[], x.shape)].sort((a, b) => a - b);
    const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
    const block = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
    let source = x;
    let moved: tf.TensorInfo | null = null;
    let [outer, middle, inner] = [size(x.shape.slice(0, axes[0] ?? 0)), size(axes.map((d) => x.shape[d]!)), size(x.shape.slice((axes.at(-1) ?? -1) + 1))];
    if (!block) {
      const perm = [...kept, ...axes];
      const strides = stridesOf(x.shape);
      source = moved = copyView(addon, backend, x, 0, perm.map((p) => strides[p]!), perm.map((p) => x.shape[p]!));
      [outer, middle, inner] = [size(kept.map((d) => x.shape[d]!)), middle, 1];
    }
    const out = backend.pool.take(outer * inner);
    addon.reduce(valuesOf(backend, source), outer, middle, inner, out, mean ? 1 / middle : 1);
    if (moved) backend.disposeData(moved.dataId);
    const shape = attrs!.keepDims ? x.shape.map((n, d) => (axes.includes(d) ? 1 : n)) : kept.map((d) => x.shape[d]!);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
  override('Sum', reduce(false));
  override('Mean', reduce(true));
  override('Softmax', ({ inputs, backend, attrs }) => {
    const logits = inputs.logits!;
    const rank = logits.shape.length;
    const dim = attrs!.dim as number;
    if (!dense(backend, logits) || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
    const cols = logits.shape[rank - 1]!;
    const out = backend.pool.take(size(logits.shape));
    addon.softmax(valuesOf(backend, logits), size(logits.shape) / cols, cols, out);
    return backend.makeTensorInfo([...logits.shape], 'float32', out);
  });
  override('ScatterNd', ({ inputs, backend, attrs }) => {
    const { indices, updates } = inputs as { indices: tf.TensorInfo; updates: tf.TensorInfo };
    const shape = attrs!.shape as number[];
    const ids = backend.data.get(indices.dataId).values;
    if (!dense(backend, updates) || indices.dtype !== 'int32' || !(ids instanceof Int32Array) || indices.shape.length < 1) return null;
    const sliceRank = indices.shape[indices.shape.length - 1]!;
    const count = ids.length / Math.max(sliceRank, 1);
    const sliceSize = size(shape.slice(sliceRank));
    if (sliceRank === 0 || size(updates.shape) !== count * sliceSize) return null;
    const strides = stridesOf(shape);
    const offsets = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let at = 0;
      for (let j = 0; j < sliceRank; j++) {
        const id = ids[i * sliceRank + j]!;
        if (id < 0 || id >= shape[j]!) return null; // the CPU kernel's own error
        at += id * strides[j]!;
      }
      offsets[i] = at;
    }
    const out = backend.pool.take(size(shape)).fill(0);
    addon.scatterAdd(valuesOf(backend, updates), offsets, sliceSize, out);
    return backend.makeTensorInfo([...shape], 'float32', out);
  });
  const UNARY = [['Exp', 0], ['Erf', 1], ['Square', 2], ['Rsqrt', 3], ['Sqrt', 4], ['Tanh', 5], ['Log', 6], ['Neg', 7]] as const;
  for (const [kernelName, op] of UNARY) {
    override(kernelName, ({ inputs, backend }) => {
      const x = inputs.x!;
      if (!dense(backend, x)) return null;
      const out = backend.pool.take(size(x.shape));
      addon.unary(op, valuesOf(backend, x), out);
      return backend.makeTensorInfo([...x.shape], 'float32', out);
    });
  }
  override('GatherV2', ({ inputs, backend, attrs }) => {
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const axis = tf.util.parseAxisParam(attrs!.axis as number, x.shape)[0]!;
    const ids = backend.data.get(indices.dataId).values;
    if (!dense(backend, x) || axis !== 0 || Number(attrs!.batchDims ?? 0) !== 0 || indices.dtype !== 'int32' || !(ids instanceof Int32Array)) return null;
    const width = size(x.shape.slice(1));
    const out = backend.pool.take(ids.length * width);
    addon.gather(valuesOf(backend, x), x.shape[0]!, width, ids, out);
    return backend.makeTensorInfo([...indices.shape, ...x.shape.slice(1)], 'float32', out);
  });
  // The bag-of-subwords pooling (bag.ts): kernels of the project's own, on this backend only.
  const bagInputs = (backend: NativeCpuBackend, ids: tf.TensorInfo, mask: tf.TensorInfo) => {
    const [rows, tokens] = ids.shape as [number, number];
    const idValues = backend.data.get(ids.dataId).values;
    return { rows, tokens, ids: idValues instanceof Int32Array ? idValues : Int32Array.from(idValues as ArrayLike<number>), mask: floatsOf(backend, mask) };
  };
  register(BAG_MEAN, ({ inputs, backend }) => {
    const { table, ids, mask } = inputs as { table: tf.TensorInfo; ids: tf.TensorInfo; mask: tf.TensorInfo };
    const [vocabulary, width] = table.shape as [number, number];
    const bag = bagInputs(backend, ids, mask);
    const out = backend.pool.take(bag.rows * width);
    addon.bagMean(floatsOf(backend, table), vocabulary, width, bag.ids, bag.mask, bag.rows, bag.tokens, out);
    return backend.makeTensorInfo([bag.rows, width], 'float32', out);
  });
  register(BAG_MEAN_GRAD, ({ inputs, backend, attrs }) => {
    const { dy, ids, mask } = inputs as { dy: tf.TensorInfo; ids: tf.TensorInfo; mask: tf.TensorInfo };
    const vocabulary = attrs!.vocabulary as number;
    const width = dy.shape[1]!;
    const bag = bagInputs(backend, ids, mask);
    const grad = backend.pool.take(vocabulary * width).fill(0);
    addon.bagMeanGrad(floatsOf(backend, dy), width, bag.ids, bag.mask, bag.rows, bag.tokens, grad);
    return backend.makeTensorInfo([vocabulary, width], 'float32', grad);
  });
  override('Concat', ({ inputs, backend, attrs }) => {
    const parts = inputs as unknown as tf.TensorInfo[];
    if (parts.length === 0 || !parts.every((t) => dense(backend, t))) return null;
    const axis = tf.util.parseAxisParam(attrs!.axis as number, parts[0]!.shape)[0]!;
    const shape = tf.backend_util.computeOutShape(parts.map((t) => t.shape), axis);
    const outer = size(shape.slice(0, axis));
    const out = backend.pool.take(size(shape));
    addon.concat(parts.map((t) => valuesOf(backend, t)), Int32Array.from(parts.map((t) => size(t.shape.slice(axis)))), outer, out);
    return backend.makeTensorInfo(shape, 'float32', out);
  });
  register(ADAMW, ({ inputs, backend, attrs }) => {
    const { param, m, v, g } = inputs as Record<'param' | 'm' | 'v' | 'g', tf.TensorInfo>;
    const h = attrs as Record<'beta1' | 'beta2' | 'epsilon' | 'correction1' | 'correction2' | 'decay' | 'learningRate', number>;
    const n = size(param.shape);
    const outs = [backend.pool.take(n), backend.pool.take(n), backend.pool.take(n)] as const;
    const floats = (t: tf.TensorInfo) => floatsOf(backend, t);
    addon.adamw(floats(param), floats(m), floats(v), floats(g), ...outs, h.beta1, h.beta2, h.epsilon, h.correction1, h.correction2, h.decay, h.learningRate);
    return outs.map((values) => backend.makeTensorInfo([...param.shape], 'float32', values));
  });
  override('_FusedMatMul', ({ inputs, backend, attrs }) => {
    if ((attrs?.activation ?? 'linear') !== 'linear' || inputs.preluActivationWeights) return null;
    return nativeMatMul(addon, backend, inputs.a!, inputs.b!, Boolean(attrs?.transposeA), Boolean(attrs?.transposeB), inputs.bias ?? null);
  });
  return { ok: true, isa: native.isa, threads: native.addon.threads };
}
