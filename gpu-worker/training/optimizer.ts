// AdamW (Adam with decoupled weight decay, as in the paper) and the learning-rate schedule:
// linear warm-up, then linear decay to zero at the last step. tf.train.adam has no decoupled decay
// and a fixed learning rate, hence this small implementation.

import * as tf from '@tensorflow/tfjs';

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

export interface AdamWOptions {
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface AdamW {
  /** One update of every variable, given its gradient. */
  apply(gradients: ReadonlyMap<tf.Variable, tf.Tensor>, learningRate: number): void;
  dispose(): void;
}

export function createAdamW(variables: readonly tf.Variable[], options: AdamWOptions): AdamW {
  const { weightDecay, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  // tidy disposes the zeros tensors; the variables (which share their data) survive it.
  const zeros = (v: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(v), false));
  const moments = new Map(variables.map((v) => [v, { m: zeros(v), v: zeros(v) }]));
  let t = 0;
  return {
    apply(gradients, learningRate) {
      t++;
      const correction1 = 1 - beta1 ** t;
      const correction2 = 1 - beta2 ** t;
      tf.tidy(() => {
        for (const [variable, state] of moments) {
          const g = gradients.get(variable);
          if (!g) continue;
          state.m.assign(state.m.mul(beta1).add(g.mul(1 - beta1)));
          state.v.assign(state.v.mul(beta2).add(g.square().mul(1 - beta2)));
          const step = state.m.div(correction1).div(state.v.div(correction2).sqrt().add(epsilon));
          variable.assign(variable.sub(step.add(variable.mul(weightDecay)).mul(learningRate)));
        }
      });
    },
    dispose() {
      for (const { m, v } of moments.values()) {
        m.dispose();
        v.dispose();
      }
    },
  };
}
