// Dense, LayerNorm and GELU with hand-written gradients. transformer.test.ts checks each against
// autodiff of the plain formula.
// - Dense: the WASM backend sends only untransposed 2-D matMuls to XNNPACK; the transposeA /
//   transposeB products of matMul's built-in gradient take a naive path about 12 times slower
//   (measured: 90 ms against 7 ms for [1536,384] x [384,128]). Transposing explicitly first is
//   cheap, so the gradient does that.
// - LayerNorm, GELU: autodiff through their elementwise pieces records a dozen small kernels per
//   call and keeps every intermediate until the backward pass; the closed forms do less of both.

import * as tf from '@tensorflow/tfjs';

/** x [n, in] times kernel [in, out] plus bias [out]. */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((xIn, kernelIn, _biasIn, save) => {
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, kernelIn as tf.Tensor]);
    return {
      value: tf.fused.matMul({ a: xIn as tf.Tensor2D, b: kernelIn as tf.Tensor2D, bias: _biasIn as tf.Tensor1D }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [input, weights] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        return [tf.matMul(dy2, tf.transpose(weights)), tf.matMul(tf.transpose(input), dy2), tf.sum(dy2, 0)];
      },
    };
  });
  return op(x, kernel, bias) as tf.Tensor2D;
}

/** LayerNorm over the last axis of x [n, d]. */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  const op = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const { mean, variance } = tf.moments(xIn as tf.Tensor2D, 1, true);
    const inverse = tf.rsqrt(tf.add(variance, epsilon));
    const normalized = tf.mul(tf.sub(xIn as tf.Tensor2D, mean), inverse);
    (save as tf.GradSaveFunc)([normalized, inverse, gammaIn as tf.Tensor]);
    return {
      value: tf.add(tf.mul(normalized, gammaIn as tf.Tensor), betaIn as tf.Tensor),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, inv, g] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const dxHat = tf.mul(dy, g);
        const dx = tf.mul(inv, tf.sub(tf.sub(dxHat, tf.mean(dxHat, 1, true)), tf.mul(xHat, tf.mean(tf.mul(dxHat, xHat), 1, true))));
        return [dx, tf.sum(tf.mul(dy, xHat), 0), tf.sum(dy, 0)];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor2D;
}

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Exact (erf) GELU, as BERT and XLM-R use it. */
export function gelu<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((xIn, save) => {
    const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(xIn as tf.Tensor, SQRT_HALF))));
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, cdf]);
    return {
      value: tf.mul(xIn as tf.Tensor, cdf),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [input, savedCdf] = saved as [tf.Tensor, tf.Tensor];
        const density = tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(input))));
        return tf.mul(dy, tf.add(savedCdf, tf.mul(input, density)));
      },
    };
  });
  return op(x) as T;
}
