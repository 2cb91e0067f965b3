import * as tf from '@tensorflow/tfjs';

/**
 * Where each output pixel reads: source = A·destination + t, in pixel coordinates (y, x) with pixel centres at
 * integers. Reads outside the image take the fill value.
 */
export interface AffineMap {
  /** Row-major 2×2 [ayy, ayx, axy, axx]. */
  a: readonly [number, number, number, number];
  t: readonly [number, number];
}

export const IDENTITY: AffineMap = { a: [1, 0, 0, 1], t: [0, 0] };

/** The map of "first `outer`, then `inner`" as one map: source = outer(inner(destination)). */
export function composeMaps(outer: AffineMap, inner: AffineMap): AffineMap {
  const [a, b, c, d] = outer.a;
  const [e, f, g, h] = inner.a;
  return {
    a: [a * e + b * g, a * f + b * h, c * e + d * g, c * f + d * h],
    t: [a * inner.t[0] + b * inner.t[1] + outer.t[0], c * inner.t[0] + d * inner.t[1] + outer.t[1]],
  };
}

/**
 * Bilinear resampling of a batch [B, H, W, C] through an affine map, as a TF.js op with an exact gradient (the
 * adjoint: every output's four weights scattered back). It runs as plain JavaScript loops over the tensors' data:
 * on the WASM backend slice and pad fall back to per-row JavaScript, batched and transposed matMuls leave XNNPACK,
 * and gather's gradient kernel is missing, so every TF.js-op formulation measured 4–6 s per step at batch 32,
 * 128 px; these loops take tens of milliseconds.
 */
export function warpAffine(images: tf.Tensor4D, map: AffineMap, outSize: readonly [number, number], fill: number): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const taps = bilinearTaps(map, height, width, outSize[0], outSize[1]);
  const outShape: [number, number, number, number] = [batch, outSize[0], outSize[1], channels];
  const op = tf.customGrad((x) => {
    const value = tf.tensor4d(resample((x as tf.Tensor).dataSync() as Float32Array, taps, batch, height * width, channels, fill), outShape);
    return {
      value,
      gradFunc: (dy: tf.Tensor) => tf.tensor4d(scatter(dy.dataSync() as Float32Array, taps, batch, height * width, channels), images.shape),
    };
  });
  return op(images) as tf.Tensor4D;
}

interface Taps {
  /** Per output pixel, 4 source pixel indices (y·W + x) or −1 outside. */
  index: Int32Array;
  weight: Float32Array;
  /** Per output pixel, the total weight of taps outside the image (taken by the fill value). */
  fillWeight: Float32Array;
  pixels: number;
}

function bilinearTaps(map: AffineMap, h: number, w: number, outH: number, outW: number): Taps {
  const pixels = outH * outW;
  const index = new Int32Array(4 * pixels).fill(-1);
  const weight = new Float32Array(4 * pixels);
  const fillWeight = new Float32Array(pixels);
  const [ayy, ayx, axy, axx] = map.a;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const p = y * outW + x;
      const sy = ayy * y + ayx * x + map.t[0];
      const sx = axy * y + axx * x + map.t[1];
      // Snap values within float noise of an integer, so whole-pixel maps copy exactly.
      const y0 = Math.floor(sy + 1e-9);
      const x0 = Math.floor(sx + 1e-9);
      const fy = Math.max(0, sy - y0);
      const fx = Math.max(0, sx - x0);
      for (let k = 0; k < 4; k++) {
        const cy = y0 + (k >> 1);
        const cx = x0 + (k & 1);
        const wgt = (k >> 1 ? fy : 1 - fy) * (k & 1 ? fx : 1 - fx);
        if (cy >= 0 && cy < h && cx >= 0 && cx < w) {
          if (wgt > 0) {
            index[4 * p + k] = cy * w + cx;
            weight[4 * p + k] = wgt;
          }
        } else {
          fillWeight[p] += wgt;
        }
      }
    }
  }
  return { index, weight, fillWeight, pixels };
}

function resample(input: Float32Array, taps: Taps, batch: number, inPixels: number, channels: number, fill: number): Float32Array {
  const { index, weight, fillWeight, pixels } = taps;
  const out = new Float32Array(batch * pixels * channels);
  for (let b = 0; b < batch; b++) {
    const inBase = b * inPixels * channels;
    let o = b * pixels * channels;
    for (let p = 0; p < pixels; p++, o += channels) {
      const f = fillWeight[p] * fill;
      const [i0, i1, i2, i3] = [index[4 * p], index[4 * p + 1], index[4 * p + 2], index[4 * p + 3]];
      const [w0, w1, w2, w3] = [weight[4 * p], weight[4 * p + 1], weight[4 * p + 2], weight[4 * p + 3]];
      // Absent taps have weight 0; point them at pixel 0 so the sum needs no branches.
      const s0 = inBase + (i0 < 0 ? 0 : i0) * channels;
      const s1 = inBase + (i1 < 0 ? 0 : i1) * channels;
      const s2 = inBase + (i2 < 0 ? 0 : i2) * channels;
      const s3 = inBase + (i3 < 0 ? 0 : i3) * channels;
      for (let c = 0; c < channels; c++) {
        out[o + c] = f + w0 * input[s0 + c] + w1 * input[s1 + c] + w2 * input[s2 + c] + w3 * input[s3 + c];
      }
    }
  }
  return out;
}

function scatter(dy: Float32Array, taps: Taps, batch: number, inPixels: number, channels: number): Float32Array {
  const { index, weight, pixels } = taps;
  const dx = new Float32Array(batch * inPixels * channels);
  for (let b = 0; b < batch; b++) {
    const inBase = b * inPixels * channels;
    let o = b * pixels * channels;
    for (let p = 0; p < pixels; p++, o += channels) {
      for (let k = 4 * p; k < 4 * p + 4; k++) {
        const i = index[k];
        if (i < 0) continue;
        const wgt = weight[k];
        const s = inBase + i * channels;
        for (let c = 0; c < channels; c++) dx[s + c] += wgt * dy[o + c];
      }
    }
  }
  return dx;
}
