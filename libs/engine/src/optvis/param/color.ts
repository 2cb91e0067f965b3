import * as tf from '@tensorflow/tfjs';

/**
 * Lucid's colour decorrelation: the square root of ImageNet's colour correlation matrix (from its SVD),
 * normalised so its largest column has unit norm. Optimising in this decorrelated space and mixing into RGB makes
 * colours behave like natural images instead of saturated noise. Only defined for 3 channels.
 */
const COLOR_CORRELATION_SVD_SQRT = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

/** The 3×3 mixing matrix M (rgb = M · t per pixel), normalised as Lucid does. */
export function colorMixingMatrix(): number[][] {
  let maxNorm = 0;
  for (let j = 0; j < 3; j++) {
    const norm = Math.hypot(COLOR_CORRELATION_SVD_SQRT[0][j], COLOR_CORRELATION_SVD_SQRT[1][j], COLOR_CORRELATION_SVD_SQRT[2][j]);
    maxNorm = Math.max(maxNorm, norm);
  }
  return COLOR_CORRELATION_SVD_SQRT.map((row) => row.map((v) => v / maxNorm));
}

/** Whether decorrelation applies: Lucid's matrix is for RGB; every other channel count uses the identity. */
export function decorrelates(channels: number): boolean {
  return channels === 3;
}

/**
 * rgb = M · t for every pixel of an NHWC tensor with 3 channels, with a hand-written gradient (dt = drgb · M):
 * TF.js's own would multiply by a transposed operand, which on WASM leaves the fast matrix kernel.
 */
export function decorrelateColors(t: tf.Tensor4D): tf.Tensor4D {
  const m = colorMixingMatrix();
  const shape = t.shape;
  const mix = (v: tf.Tensor, matrix: number[][]): tf.Tensor4D =>
    tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(v, [-1, 3]), tf.tensor2d(matrix.flat(), [3, 3])), shape) as tf.Tensor4D);
  const op = tf.customGrad((x) => {
    // Row vectors: rgbᵀ = tᵀ · Mᵀ, and the gradient dtᵀ = drgbᵀ · M.
    return { value: mix(x as tf.Tensor, transpose(m)), gradFunc: (dy: tf.Tensor) => mix(dy, m) };
  });
  return op(t) as tf.Tensor4D;
}

/** The inverse mixing, M⁻¹, for starting an optimisation from a given image. */
export function inverseColorMixingMatrix(): number[][] {
  return invert3(colorMixingMatrix());
}

function transpose(m: number[][]): number[][] {
  return m[0].map((_, j) => m.map((row) => row[j]));
}

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}
