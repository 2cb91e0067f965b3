import * as tf from '@tensorflow/tfjs';
import type { Pads } from '../ir/padding';

/**
 * Input gradients of convolutions written as forward convolutions, which run on the backends' fast forward
 * kernels (XNNPACK on WASM): the gradient of y = conv(x, W) with respect to x is the upstream gradient, with
 * zeros inserted between its rows and columns for strides > 1 and re-padded, convolved (stride 1, same dilation)
 * with W flipped in space and with its input and output channels swapped (ENGINE-NOTES: ~5× faster than WASM's
 * Conv2DBackpropInput; WASM has no DepthwiseConv2dNativeBackpropInput at all). No input values are needed, so
 * nothing is saved for the backward pass.
 */

export interface WindowGeometry {
  strides: [number, number];
  dilations: [number, number];
  /** Explicit pads of the forward convolution, [top, bottom, left, right]. */
  pads: Pads;
}

/** Pads (positive) or crops (negative) the two spatial axes of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, [top, bottom, left, right]: Pads): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const keptH = h - cropTop - Math.max(0, -bottom);
  const keptW = w - cropLeft - Math.max(0, -right);
  let y = x;
  if (cropTop || cropLeft || keptH !== h || keptW !== w) y = tf.slice(y, [0, cropTop, cropLeft, 0], [n, keptH, keptW, c]);
  const grow: Pads = [Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right)];
  if (grow.some((p) => p > 0)) y = tf.pad(y, [[0, 0], [grow[0], grow[1]], [grow[2], grow[3]], [0, 0]]);
  return y;
}

/**
 * Zeros between the spatial positions: [N, H, W, C] → [N, H·sh, W·sw, C] with the values at multiples of the
 * stride (the trailing zeros are cropped or kept by the re-padding that follows).
 */
function spreadByStride(dy: tf.Tensor4D, [sh, sw]: [number, number]): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, h, w, c] = dy.shape;
  // Rows and columns in two rank-5 steps (every backend pads rank 5).
  let y: tf.Tensor = dy;
  if (sh > 1) y = tf.reshape(tf.pad(tf.reshape(y, [n, h, 1, w, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, 0]]), [n, h * sh, w, c]);
  if (sw > 1) y = tf.reshape(tf.pad(tf.reshape(y, [n * h * sh, w, 1, c]), [[0, 0], [0, 0], [0, sw - 1], [0, 0]]), [n, h * sh, w * sw, c]);
  return y as tf.Tensor4D;
}

/**
 * The upstream gradient laid out so that a VALID, stride-1 convolution with the flipped filter gives the input
 * gradient of the input size [H, W]: along each axis, (K−1)·d − padBefore in front and whatever completes
 * H + (K−1)·d behind (negative amounts crop).
 */
function gradientCanvas(dy: tf.Tensor4D, inputHW: [number, number], kernelHW: [number, number], g: WindowGeometry): tf.Tensor4D {
  const spread = spreadByStride(dy, g.strides);
  const along = (size: number, k: number, d: number, before: number, spreadLength: number): [number, number] => {
    const front = (k - 1) * d - before;
    return [front, size + (k - 1) * d - front - spreadLength];
  };
  const [top, bottom] = along(inputHW[0], kernelHW[0], g.dilations[0], g.pads[0], spread.shape[1]);
  const [left, right] = along(inputHW[1], kernelHW[1], g.dilations[1], g.pads[2], spread.shape[2]);
  return padOrCrop(spread, [top, bottom, left, right]);
}

/** 'same' when the canvas pads equal the stride-1 SAME pads (no copy), otherwise the padded canvas and 'valid'. */
function convInput(dy: tf.Tensor4D, inputHW: [number, number], kernelHW: [number, number], g: WindowGeometry): { x: tf.Tensor4D; pad: 'same' | 'valid' } {
  const stride1 = g.strides[0] === 1 && g.strides[1] === 1;
  const sameAlong = (k: number, d: number, before: number, after: number): boolean => {
    const total = (k - 1) * d;
    // The backward pads of a SAME forward are the mirrored SAME pads; equal when the total is even.
    return total % 2 === 0 && before === total / 2 && after === total / 2;
  };
  if (
    stride1 &&
    dy.shape[1] === inputHW[0] &&
    dy.shape[2] === inputHW[1] &&
    sameAlong(kernelHW[0], g.dilations[0], g.pads[0], g.pads[1]) &&
    sameAlong(kernelHW[1], g.dilations[1], g.pads[2], g.pads[3])
  ) {
    return { x: dy, pad: 'same' };
  }
  return { x: gradientCanvas(dy, inputHW, kernelHW, g), pad: 'valid' };
}

/** The filter [kh, kw, in, out] flipped in both spatial axes with in and out swapped: [kh, kw, out, in]. */
export function flippedTransposedFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
}

/** ∂L/∂x of y = conv2d(x, filter) (groups = 1), from dy = ∂L/∂y. filter: [kh, kw, inC, outC]. */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputHW: [number, number], g: WindowGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const kernelHW: [number, number] = [filter.shape[0], filter.shape[1]];
    const { x, pad } = convInput(dy, inputHW, kernelHW, g);
    return tf.conv2d(x, flippedTransposedFilter(filter), 1, pad, 'NHWC', g.dilations);
  });
}

/**
 * ∂L/∂x of y = depthwiseConv2d(x, filter), filter [kh, kw, C, m] (output channel c·m + j). Each output channel
 * convolves back into its own input channel; a multiplier m > 1 sums the m contributions.
 */
export function depthwiseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputHW: [number, number], g: WindowGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, m] = filter.shape;
    const { x, pad } = convInput(dy, inputHW, [kh, kw], g);
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]) as tf.Tensor4D;
    const perOutput = tf.depthwiseConv2d(x, flipped, 1, pad, 'NHWC', g.dilations);
    if (m === 1) return perOutput;
    const [n, h, w] = perOutput.shape;
    return tf.sum(tf.reshape(perOutput, [n, h, w, c, m]), -1) as tf.Tensor4D;
  });
}
