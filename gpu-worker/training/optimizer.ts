// AdamW (Adam with decoupled weight decay, as in the paper), global-norm gradient clipping, and
// the learning-rate schedule: linear warm-up, then linear decay to zero at the last step.
// tf.train.adam has no decoupled decay, a fixed learning rate and no way to read or restore its
// moments for a checkpoint, hence this small implementation.

import * as tf from '@tensorflow/tfjs';
import { ADAMW } from '../encoding/native/backend.js';

export interface ScheduleOptions {
  learningRate: number;
  warmupSteps: number;
  steps: number;
}

/** Learning rate of the step with 0-based index `step`. */
export function learningRateAt(step: number, { learningRate, warmupSteps, steps }: ScheduleOptions): number {
  if (step < warmupSteps) return (learningRate * (step + 1)) / warmupSteps;
  return (learningRate * Math.max(0, steps - step)) / Math.max(1, steps - warmupSteps);
}

/**
 * Scales all gradients together so that their joint L2 norm is at most maxNorm (0: unchanged).
 * Returns the norm before clipping. Call inside tf.tidy.
 */
export function clipByGlobalNorm(gradients: readonly tf.Tensor[], maxNorm: number): { gradients: tf.Tensor[]; norm: tf.Scalar } {
  const norm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
  if (maxNorm <= 0) return { gradients: [...gradients], norm };
  // min(1, maxNorm / norm) without reading the norm back from the device.
  const factor = tf.div(maxNorm, tf.maximum(norm, maxNorm));
  return { gradients: gradients.map((g) => tf.mul(g, factor)), norm };
}

export interface AdamWOptions {
  weightDecay: number;
  /** Which variables weight decay applies to; all by default. */
  decays?: (variable: tf.Variable) => boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** What a checkpoint keeps of the optimizer: updates taken, and both moments of each variable in order. */
export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export interface AdamW {
  /** One update of every variable, given its gradient. */
  apply(gradients: ReadonlyMap<tf.Variable, tf.Tensor>, learningRate: number): void;
  state(): AdamWState;
  dispose(): void;
}

export function createAdamW(variables: readonly tf.Variable[], options: AdamWOptions, initial?: AdamWState): AdamW {
  const { weightDecay, decays = () => true, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  if (initial && (initial.m.length !== variables.length || initial.v.length !== variables.length)) {
    throw new Error(`optimizer state has ${initial.m.length} moments for ${variables.length} variables`);
  }
  // tidy disposes the source tensors; the variables (which copy or share their data) survive it.
  const moment = (v: tf.Variable, values?: Float32Array) =>
    tf.tidy(() => tf.variable(values ? tf.tensor(values, v.shape, 'float32') : tf.zerosLike(v), false));
  const moments = new Map(variables.map((v, i) => [v, { m: moment(v, initial?.m[i]), v: moment(v, initial?.v[i]), decay: decays(v) ? weightDecay : 0 }]));
  let t = initial?.step ?? 0;
  return {
    apply(gradients, learningRate) {
      t++;
      const correction1 = 1 - beta1 ** t;
      const correction2 = 1 - beta2 ** t;
      // One fused kernel per variable where the backend has it (native-cpu), instead of a dozen
      // element-wise passes; it computes the same float32 operations in the same order.
      const fused = tf.getKernel(ADAMW, tf.getBackend()) !== undefined;
      tf.tidy(() => {
        for (const [variable, state] of moments) {
          const g = gradients.get(variable);
          if (!g) continue;
          if (fused) {
            const attrs = { beta1, beta2, epsilon, correction1, correction2, decay: state.decay, learningRate };
            const [param, m, v] = tf.engine().runKernel(ADAMW, { param: variable, m: state.m, v: state.v, g }, attrs) as tf.Tensor[];
            state.m.assign(m!);
            state.v.assign(v!);
            variable.assign(param!);
            continue;
          }
          state.m.assign(state.m.mul(beta1).add(g.mul(1 - beta1)));
          state.v.assign(state.v.mul(beta2).add(g.square().mul(1 - beta2)));
          const step = state.m.div(correction1).div(state.v.div(correction2).sqrt().add(epsilon));
          variable.assign(variable.sub(step.add(variable.mul(state.decay)).mul(learningRate)));
        }
      });
    },
    state() {
      const all = [...moments.values()];
      const copy = (x: tf.Variable) => Float32Array.from(x.dataSync() as Float32Array);
      return { step: t, m: all.map((s) => copy(s.m)), v: all.map((s) => copy(s.v)) };
    },
    dispose() {
      for (const { m, v } of moments.values()) {
        m.dispose();
        v.dispose();
      }
    },
  };
}
