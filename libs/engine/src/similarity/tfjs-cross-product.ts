import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { float64CrossProduct } from './float64-cross-product';
import type { CrossProduct } from './operand';

const FILL_BLOCK = 256;

/**
 * Aᵀ·B on whichever TensorFlow.js backend is active, in float32 (results returned as float64). On the WASM SIMD
 * backend this measured ~16–18 GFLOP/s on one core against ~4.5 for the float64 JavaScript kernel; with a native
 * or GPU backend it is the way to use that hardware. Errors are float32-sized (~1e-6 on correlations), so
 * exact-to-1e-9 work should keep the float64 kernel. A is handed over transposed because XNNPACK's matMul with
 * transposeA (or transposeB) set measured 8–40× slower than the plain A·B layout.
 */
export const tfjsCrossProduct: CrossProduct = (a, b) => {
  if (a.depth !== b.depth) {
    throw new MicroscopeError('INVALID_INPUT', `cannot multiply operands of depth ${a.depth} and ${b.depth}`);
  }
  const n = a.depth;
  const p = a.width;
  const q = b.width;
  if (p === 0 || q === 0 || n === 0) return new Float64Array(p * q);

  const aTransposed = new Float32Array(p * n);
  const bRows = new Float32Array(n * q);
  const block = new Float64Array(Math.min(FILL_BLOCK, n) * Math.max(p, q));
  for (let first = 0; first < n; first += FILL_BLOCK) {
    const depth = Math.min(FILL_BLOCK, n - first);
    a.fill(first, depth, block);
    for (let k = 0; k < depth; k++) for (let i = 0; i < p; i++) aTransposed[i * n + first + k] = block[k * p + i];
    b.fill(first, depth, block);
    bRows.set(block.subarray(0, depth * q), first * q);
  }
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(aTransposed, [p, n]), tf.tensor2d(bRows, [n, q])));
  // Read outside tidy: dataSync inside tf.tidy measured 15× slower (ENGINE-NOTES).
  const values = product.dataSync();
  product.dispose();
  return Float64Array.from(values);
};

/**
 * The faster product for the active tfjs backend: tfjs, unless that is the pure-JavaScript 'cpu' backend
 * (~0.65 GFLOP/s measured), where the float64 kernel is both faster and exact.
 */
export function fastestCrossProduct(): CrossProduct {
  return tf.getBackend() === 'cpu' ? float64CrossProduct : tfjsCrossProduct;
}
