import * as tf from '@tensorflow/tfjs';
import { isZeroPads, padsEqual, samePads, type Pads } from '../ir/padding';

/**
 * The one place the executor calls convolutions and folded batch norm. Faster gradients (the input gradient of a
 * convolution as a forward convolution, see ENGINE-NOTES) replace these functions here and nowhere else.
 */

export interface ConvOptions {
  strides: [number, number];
  dilations: [number, number];
  pads: Pads;
  /** Grouped convolution (conv2d only): input and output channels split into this many independent groups. */
  groups?: number;
}

type Padding = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

/** Whether a gradient tape is recording, i.e. we are inside tf.grad / tf.variableGrads. */
export function isRecordingGradients(): boolean {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number } }).state;
  return state.gradientDepth > 0;
}

/** TF.js's 'valid' / 'same' when the pads are exactly those, otherwise the explicit form. */
function tfPadding(x: tf.Tensor4D, kernelHW: [number, number], opts: ConvOptions): Padding {
  if (isZeroPads(opts.pads)) return 'valid';
  if (padsEqual(opts.pads, samePads([x.shape[1], x.shape[2]], kernelHW, opts.strides, opts.dilations))) return 'same';
  const [t, b, l, r] = opts.pads;
  return [[0, 0], [t, b], [l, r], [0, 0]];
}

/**
 * Explicit pads through tf.pad + 'valid': TF.js's explicit-padding form is not implemented by every backend
 * (WASM and the depthwise kernels read only 'same'/'valid'), and pad's gradient is a cheap slice.
 */
function padded(x: tf.Tensor4D, kernelHW: [number, number], opts: ConvOptions): { x: tf.Tensor4D; pad: 'valid' | 'same' } {
  const p = tfPadding(x, kernelHW, opts);
  if (typeof p === 'string') return { x, pad: p };
  return { x: tf.pad(x, p), pad: 'valid' };
}

function addBias<T extends tf.Tensor>(y: T, bias: tf.Tensor1D | undefined): T {
  return bias ? tf.add(y, bias) : y;
}

/** filter: [kh, kw, inC/groups, outC]; bias: [outC]. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, opts: ConvOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const groups = opts.groups ?? 1;
    const inC = x.shape[3];
    if (groups === 1) return plainConv2d(x, filter, bias, opts);
    if (groups === inC && filter.shape[2] === 1) {
      // One input channel per group is a depthwise convolution with multiplier outC / inC (same channel order).
      const [kh, kw, , outC] = filter.shape;
      return depthwiseConv2d(x, tf.reshape(filter, [kh, kw, inC, outC / inC]) as tf.Tensor4D, bias, opts);
    }
    const xs = tf.split(x, groups, 3);
    const fs = tf.split(filter, groups, 3);
    const ys = xs.map((xg, g) => plainConv2d(xg as tf.Tensor4D, fs[g] as tf.Tensor4D, undefined, opts));
    return addBias(tf.concat(ys, 3) as tf.Tensor4D, bias);
  });
}

/**
 * The filter of a dilated convolution with zeros between its taps: the same convolution without dilation. TF.js
 * has no gradient for dilated convolutions, so under a tape they run this way.
 */
export function dilateFilter(filter: tf.Tensor4D, dilations: [number, number]): tf.Tensor4D {
  const [dh, dw] = dilations;
  if (dh === 1 && dw === 1) return filter;
  return tf.tidy(() => {
    const [kh, kw, c, m] = filter.shape;
    const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, c, m]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
    const full = tf.reshape(spread, [kh * dh, kw * dw, c, m]);
    return tf.slice(full, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m]) as tf.Tensor4D;
  });
}

const isDilated = (opts: ConvOptions): boolean => opts.dilations[0] !== 1 || opts.dilations[1] !== 1;

function plainConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, opts: ConvOptions): tf.Tensor4D {
  const kernel: [number, number] = [filter.shape[0], filter.shape[1]];
  const p = padded(x, kernel, opts);
  if (isRecordingGradients() && isDilated(opts)) {
    return addBias(tf.conv2d(p.x, dilateFilter(filter, opts.dilations), opts.strides, p.pad), bias);
  }
  if (!isRecordingGradients()) {
    // Forward only: the fused kernel adds the bias in the same pass. Under a tape the fused op's gradient
    // always computes the filter gradient, which WASM lacks (ENGINE-NOTES), so the plain op is used there.
    return tf.fused.conv2d({ x: p.x, filter, strides: opts.strides, pad: p.pad, dilations: opts.dilations, bias });
  }
  return addBias(tf.conv2d(p.x, filter, opts.strides, p.pad, 'NHWC', opts.dilations), bias);
}

/** filter: [kh, kw, inC, multiplier]; bias: [inC * multiplier]. */
export function depthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, opts: ConvOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const p = padded(x, [filter.shape[0], filter.shape[1]], opts);
    if (isRecordingGradients() && isDilated(opts)) {
      return addBias(tf.depthwiseConv2d(p.x, dilateFilter(filter, opts.dilations), opts.strides, p.pad), bias);
    }
    if (!isRecordingGradients()) {
      return tf.fused.depthwiseConv2d({ x: p.x, filter, strides: opts.strides, pad: p.pad, dilations: opts.dilations, bias });
    }
    return addBias(tf.depthwiseConv2d(p.x, filter, opts.strides, p.pad, 'NHWC', opts.dilations), bias);
  });
}

/** Folded batch normalization on the last axis: y = x * scale + shift. */
export function scaleShift<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, shift: tf.Tensor1D): T {
  return tf.tidy(() => tf.add(tf.mul(x, scale), shift));
}
