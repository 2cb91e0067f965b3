import * as tf from '@tensorflow/tfjs';

/**
 * Largest error of an analytic gradient against central finite differences at the `probes` coordinates, relative
 * to max(|analytic|, |numeric|, floor). `value` evaluates the function at arbitrary coordinates.
 */
export function finiteDifferenceError(
  value: (x: Float32Array) => number,
  at: Float32Array,
  analytic: ArrayLike<number>,
  probes: readonly number[],
  eps: number,
  floor = 1e-3,
): number {
  let worst = 0;
  for (const i of probes) {
    const plus = at.slice();
    plus[i] += eps;
    const minus = at.slice();
    minus[i] -= eps;
    const numeric = (value(plus) - value(minus)) / (2 * eps);
    worst = Math.max(worst, Math.abs(numeric - analytic[i]) / Math.max(Math.abs(numeric), Math.abs(analytic[i]), floor));
  }
  return worst;
}

/** finiteDifferenceError for a function of one tensor, with tf.grad as the analytic gradient. */
export function gradientError(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, probes: readonly number[], eps: number, floor = 1e-3): number {
  const analytic = tf.tidy(() => tf.grad(f)(x).dataSync());
  const value = (v: Float32Array): number => tf.tidy(() => f(tf.tensor(v, x.shape)).dataSync()[0]);
  return finiteDifferenceError(value, x.dataSync() as Float32Array, analytic, probes, eps, floor);
}

/** `count` coordinates spread over a tensor of `size` elements. */
export function spreadProbes(size: number, count: number): number[] {
  return Array.from({ length: Math.min(count, size) }, (_, i) => Math.floor(((i + 0.5) * size) / Math.min(count, size)));
}
