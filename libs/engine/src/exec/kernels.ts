import * as tf from '@tensorflow/tfjs';
import { isZeroPads, padsEqual, samePads, type Pads } from '../ir/padding';
import { conv2dInputGradient, depthwiseInputGradient } from './input-gradients';
import {
  avgPoolInputGradient,
  maxPoolInputGradient,
  resizeBilinearInputGradient,
  type PoolGeometry,
  type ResizeOptions,
  type Shape4,
} from './loop-gradients';

/**
 * The one place the executor calls convolutions, pooling, resizing and folded batch norm. Under a gradient tape,
 * convolutions with constant filters get their input gradient as a forward convolution (input-gradients.ts,
 * ENGINE-NOTES): faster than the stock kernels and the only way to differentiate depthwise convolutions on WASM.
 * Pooling and bilinear resizing get exact loop gradients (loop-gradients.ts) where the stock ones are wrong.
 * Trainable filters (a tf.Variable) keep the stock ops, which also give the filter's gradient where the backend
 * has the kernel; `setFastGradients(false)` restores the stock gradients everywhere (for comparisons).
 */

export interface ConvOptions {
  strides: [number, number];
  dilations: [number, number];
  pads: Pads;
  /** Grouped convolution (conv2d only): input and output channels split into this many independent groups. */
  groups?: number;
}

type Padding = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

let fastGradients = true;

/** Turns the forward-convolution input gradients on or off (benchmarks compare both; default on). */
export function setFastGradients(enabled: boolean): void {
  fastGradients = enabled;
}

export function fastGradientsEnabled(): boolean {
  return fastGradients;
}

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
    if (useFastGradient(filter)) {
      const inputHW = spatial(x);
      return withInputGradient(x, (xi) => forwardConv2d(xi, filter, bias, opts), (dy) => groupedConv2dInputGradient(dy, filter, inputHW, opts));
    }
    if (!isRecordingGradients()) return forwardConv2d(x, filter, bias, opts);
    return stockConv2d(x, filter, bias, opts);
  });
}

/** filter: [kh, kw, inC, multiplier]; bias: [inC * multiplier]. */
export function depthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, opts: ConvOptions): tf.Tensor4D {
  return tf.tidy(() => {
    if (useFastGradient(filter)) {
      const inputHW = spatial(x);
      return withInputGradient(x, (xi) => forwardDepthwise(xi, filter, bias, opts), (dy) => depthwiseInputGradient(dy, filter, inputHW, opts));
    }
    if (!isRecordingGradients()) return forwardDepthwise(x, filter, bias, opts);
    return stockDepthwise(x, filter, bias, opts);
  });
}

/**
 * The filter of a dilated convolution with zeros between its taps: the same convolution without dilation. TF.js
 * has no gradient for dilated convolutions, and no kernel for a stride and a dilation both above 1.
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
const isStrided = (opts: ConvOptions): boolean => opts.strides[0] !== 1 || opts.strides[1] !== 1;
const kernelOf = (filter: tf.Tensor4D): [number, number] => [filter.shape[0], filter.shape[1]];
const spatial = (x: tf.Tensor4D): [number, number] => [x.shape[1], x.shape[2]];

/** Under a tape, with a filter nobody differentiates: the fast input gradients apply. */
function useFastGradient(filter: tf.Tensor): boolean {
  return fastGradients && isRecordingGradients() && !(filter instanceof tf.Variable && filter.trainable);
}

/**
 * `forward(x)` (untaped: its ops are not recorded) with `inputGradient` as its gradient with respect to x. Weights
 * are constants the closures capture, so the tape neither records nor differentiates them. Tensors created
 * inside `forward` are gone by the time the gradient runs: the gradient must derive what it needs from the
 * captured weights, or ask for the input to be kept (`keepInput`).
 */
function withInputGradient(
  x: tf.Tensor4D,
  forward: (x: tf.Tensor4D) => tf.Tensor4D,
  inputGradient: (dy: tf.Tensor4D, x: tf.Tensor4D) => tf.Tensor4D,
  keepInput = false,
): tf.Tensor4D {
  const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    if (keepInput) (save as tf.GradSaveFunc)([input as tf.Tensor]);
    return {
      value: forward(input as tf.Tensor4D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => inputGradient(dy as tf.Tensor4D, (keepInput ? saved[0] : input) as tf.Tensor4D),
    };
  });
  return op(x) as tf.Tensor4D;
}

/** Strides and dilations both above 1 have no TF.js kernel: the zero-spread filter without dilation instead. */
function windowFor(filter: tf.Tensor4D, opts: ConvOptions): { filter: tf.Tensor4D; dilations: [number, number] } {
  if (isDilated(opts) && isStrided(opts)) return { filter: dilateFilter(filter, opts.dilations), dilations: [1, 1] };
  return { filter, dilations: opts.dilations };
}

/** The untaped forward ops: fused, so the bias is added in the same pass. */
function forwardConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, opts: ConvOptions): tf.Tensor4D {
  const groups = opts.groups ?? 1;
  const inC = x.shape[3];
  if (groups === inC && groups > 1 && filter.shape[2] === 1) return forwardDepthwise(x, depthwiseFilter(filter, inC), bias, opts);
  if (groups > 1) {
    const xs = tf.split(x, groups, 3);
    const fs = tf.split(filter, groups, 3);
    return addBias(tf.concat(xs.map((xg, g) => forwardConv2d(xg as tf.Tensor4D, fs[g] as tf.Tensor4D, undefined, { ...opts, groups: 1 })), 3) as tf.Tensor4D, bias);
  }
  const p = padded(x, kernelOf(filter), opts);
  const w = windowFor(filter, opts);
  return tf.fused.conv2d({ x: p.x, filter: w.filter, strides: opts.strides, pad: p.pad, dilations: w.dilations, bias });
}

function forwardDepthwise(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, opts: ConvOptions): tf.Tensor4D {
  const p = padded(x, kernelOf(filter), opts);
  const w = windowFor(filter, opts);
  return tf.fused.depthwiseConv2d({ x: p.x, filter: w.filter, strides: opts.strides, pad: p.pad, dilations: w.dilations, bias });
}

/** A grouped filter [kh, kw, 1, outC] with one input channel per group as a depthwise one [kh, kw, inC, outC / inC]. */
function depthwiseFilter(filter: tf.Tensor4D, inC: number): tf.Tensor4D {
  const [kh, kw, , outC] = filter.shape;
  return tf.reshape(filter, [kh, kw, inC, outC / inC]);
}

/** The input gradient of a grouped convolution: each group's output gradient back through its own filters. */
function groupedConv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputHW: [number, number], opts: ConvOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const groups = opts.groups ?? 1;
    if (groups === 1) return conv2dInputGradient(dy, filter, inputHW, opts);
    const inC = groups * filter.shape[2];
    if (groups === inC && filter.shape[2] === 1) return depthwiseInputGradient(dy, depthwiseFilter(filter, inC), inputHW, opts);
    const dys = tf.split(dy, groups, 3);
    const fs = tf.split(filter, groups, 3);
    return tf.concat(dys.map((d, g) => conv2dInputGradient(d as tf.Tensor4D, fs[g] as tf.Tensor4D, inputHW, opts)), 3) as tf.Tensor4D;
  });
}

/**
 * The stock taped ops, for trainable filters (their gradient included) or with fast gradients off. Plain, not
 * fused: the fused op's gradient always computes the filter gradient, which WASM lacks (ENGINE-NOTES).
 */
function stockConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, opts: ConvOptions): tf.Tensor4D {
  const groups = opts.groups ?? 1;
  const inC = x.shape[3];
  if (groups === inC && groups > 1 && filter.shape[2] === 1) return stockDepthwise(x, depthwiseFilter(filter, inC), bias, opts);
  if (groups > 1) {
    const xs = tf.split(x, groups, 3);
    const fs = tf.split(filter, groups, 3);
    return addBias(tf.concat(xs.map((xg, g) => stockConv2d(xg as tf.Tensor4D, fs[g] as tf.Tensor4D, undefined, { ...opts, groups: 1 })), 3) as tf.Tensor4D, bias);
  }
  const p = padded(x, kernelOf(filter), opts);
  // TF.js has no gradient for dilated convolutions: the zero-spread filter without dilation instead.
  if (isDilated(opts)) return addBias(tf.conv2d(p.x, dilateFilter(filter, opts.dilations), opts.strides, p.pad), bias);
  return addBias(tf.conv2d(p.x, filter, opts.strides, p.pad), bias);
}

function stockDepthwise(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, opts: ConvOptions): tf.Tensor4D {
  const p = padded(x, kernelOf(filter), opts);
  if (isDilated(opts)) return addBias(tf.depthwiseConv2d(p.x, dilateFilter(filter, opts.dilations), opts.strides, p.pad), bias);
  return addBias(tf.depthwiseConv2d(p.x, filter, opts.strides, p.pad), bias);
}

export type PoolKind = 'max' | 'avg';

export interface PoolOptions extends PoolGeometry {
  /** Average pooling: divide by the whole window, padding included (ONNX count_include_pad), or by the real pixels. */
  countIncludePad?: boolean;
}

/**
 * Max / average pooling with arbitrary pads, using TF.js's own padding modes where they coincide. Under a tape the
 * gradient is an exact loop (loop-gradients.ts): the stock pooling gradients are wrong on WASM and at SAME borders.
 */
export function pool2d(x: tf.Tensor4D, kind: PoolKind, opts: PoolOptions): tf.Tensor4D {
  return tf.tidy(() => {
    if (!(fastGradients && isRecordingGradients())) return forwardPool(x, kind, opts);
    const shape = x.shape as Shape4;
    const countPad = opts.countIncludePad ?? false;
    return withInputGradient(
      x,
      (xi) => forwardPool(xi, kind, opts),
      (dy, input) => {
        const dyData = dy.dataSync() as Float32Array;
        const dx = kind === 'max' ? maxPoolInputGradient(input.dataSync() as Float32Array, dyData, shape, opts) : avgPoolInputGradient(dyData, shape, opts, countPad);
        return tf.tensor4d(dx, shape);
      },
      kind === 'max',
    );
  });
}

function forwardPool(x: tf.Tensor4D, kind: PoolKind, opts: PoolOptions): tf.Tensor4D {
  const { size, strides, pads } = opts;
  const run = (t: tf.Tensor4D, pad: 'valid' | 'same') => (kind === 'max' ? tf.maxPool(t, size, strides, pad) : tf.avgPool(t, size, strides, pad));
  if (isZeroPads(pads)) return run(x, 'valid');
  const countPad = opts.countIncludePad ?? false;
  const same = padsEqual(pads, samePads(spatial(x), size, strides));
  // TF.js 'same' excludes padding from averages and never picks it as a maximum.
  if (same && (kind === 'max' || !countPad)) return run(x, 'same');
  const paddings: [number, number][] = [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]];
  if (kind === 'max') return run(tf.pad(x, paddings, -3.4e38), 'valid');
  const sums = run(tf.pad(x, paddings), 'valid');
  if (countPad) return sums;
  // Average over real pixels only: divide the window means by the share of real pixels in each window.
  const ones = tf.ones([1, x.shape[1], x.shape[2], 1]) as tf.Tensor4D;
  return tf.div(sums, run(tf.pad(ones, paddings), 'valid'));
}

/** Bilinear resizing (TF.js semantics) whose gradient under a tape is the exact adjoint, halfPixelCenters included. */
export function resizeBilinear(x: tf.Tensor4D, size: [number, number], options: ResizeOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const forward = (xi: tf.Tensor4D) => tf.image.resizeBilinear(xi, size, options.alignCorners, options.halfPixelCenters);
    if (!(fastGradients && isRecordingGradients())) return forward(x);
    const shape = x.shape as Shape4;
    return withInputGradient(x, forward, (dy) => tf.tensor4d(resizeBilinearInputGradient(dy.dataSync() as Float32Array, shape, size, options), shape));
  });
}

let reluGradient: 'exact' | 'redirected' = 'exact';

/**
 * Runs `forward` with Lucid's redirected ReLU gradients (lucid.misc.redirected_relu_grad) on every ReLU it
 * records: for a batch item whose exact ReLU gradient is zero everywhere (the unit is off on the whole image, as on
 * a grey start), the gradient passes through anyway, except where it would push an already negative input lower.
 * Items whose gradient gets through keep the exact one, so it only lifts units out of the dead zone. Only the
 * forward pass needs to be inside: the choice is made when the op is recorded.
 */
export function withRedirectedReluGradients<T>(forward: () => T): T {
  const previous = reluGradient;
  reluGradient = 'redirected';
  try {
    return forward();
  } finally {
    reluGradient = previous;
  }
}

/** ReLU, or ReLU6 with `cap` 6; with redirected gradients when asked (see withRedirectedReluGradients). */
export function relu(x: tf.Tensor, cap?: number): tf.Tensor {
  const forward = (t: tf.Tensor) => (cap === undefined ? tf.relu(t) : tf.clipByValue(t, 0, cap));
  if (reluGradient === 'exact' || !isRecordingGradients() || x.rank < 2) return cap === 6 ? tf.relu6(x) : forward(x);
  const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    (save as tf.GradSaveFunc)([input as tf.Tensor]);
    return {
      value: forward(input as tf.Tensor),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.tidy(() => {
          const below = tf.less(saved, 0);
          const open = cap === undefined ? tf.logicalNot(below) : tf.logicalAnd(tf.logicalNot(below), tf.lessEqual(saved, cap));
          const exact = tf.where(open, dy, tf.zerosLike(dy));
          // dy is ∂loss/∂y of a minimised loss: dy > 0 pushes the input down, dy < 0 up.
          let blocked = tf.logicalAnd(below, tf.greater(dy, 0));
          if (cap !== undefined) blocked = tf.logicalOr(blocked, tf.logicalAnd(tf.greater(saved, cap), tf.less(dy, 0)));
          const redirected = tf.where(blocked, tf.zerosLike(dy), dy);
          const batch = dy.shape[0];
          const flowing = tf.greater(tf.sum(tf.abs(tf.reshape(exact, [batch, -1])), 1), 0);
          return tf.where(tf.reshape(flowing, [batch, ...dy.shape.slice(1).map(() => 1)]).broadcastTo(dy.shape), exact, redirected);
        }),
    };
  });
  return op(x);
}

/** Folded batch normalization on the last axis: y = x * scale + shift. */
export function scaleShift<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, shift: tf.Tensor1D): T {
  return tf.tidy(() => tf.add(tf.mul(x, scale), shift));
}
