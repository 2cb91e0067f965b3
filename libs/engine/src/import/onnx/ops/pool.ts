import type { ConversionContext, RuntimeValue } from '../context';
import { invalid, onlyFirstOutputUsed, outputName, unsupported, type NodeInfo, type OpConverter } from './converter';
import { kernelPair, windowGeometry, type WindowGeometry } from './window';

/** MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool and LRN. */

function image(info: NodeInfo, ctx: ConversionContext): RuntimeValue {
  const x = ctx.runtime(info.inputs[0], info.where);
  if (x.rank !== 4) throw unsupported(info, `only 2-D pooling of [N, C, H, W] tensors is supported (input rank ${x.rank})`);
  return x;
}

/**
 * ceil_mode=1 rounds the output size up, but (as in PyTorch and onnxruntime) a last window must start inside the
 * input or its leading padding. Returns the extra padding after the input that yields that size.
 */
function ceilExtra(size: number, kernel: number, stride: number, padBefore: number, padAfter: number): number {
  const span = size + padBefore + padAfter - kernel;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= size + padBefore) out--;
  return Math.max(0, (out - 1) * stride + kernel - (size + padBefore + padAfter));
}

function poolWindow(info: NodeInfo, ctx: ConversionContext, x: RuntimeValue): { size: [number, number]; geometry: WindowGeometry; extra: [number, number] } {
  const [, h, w] = ctx.onnxShape(x);
  const size = kernelPair(info, info.attrs.ints('kernel_shape'));
  const geometry = windowGeometry(info, [h, w], size);
  if (geometry.dilations.some((d) => d !== 1)) throw unsupported(info, 'dilated pooling');
  const ceil = info.attrs.int('ceil_mode', 0) !== 0;
  const [t, b, l, r] = geometry.pads;
  const extra: [number, number] = ceil
    ? [ceilExtra(h, size[0], geometry.strides[0], t, b), ceilExtra(w, size[1], geometry.strides[1], l, r)]
    : [0, 0];
  return { size, geometry, extra };
}

const convertMaxPool: OpConverter = (info, ctx) => {
  onlyFirstOutputUsed(info, ctx);
  const x = image(info, ctx);
  if (info.attrs.int('storage_order', 0) !== 0 && info.outputs.length > 1) throw unsupported(info, 'column-major indices');
  const { size, geometry, extra } = poolWindow(info, ctx, x);
  const [t, b, l, r] = geometry.pads;
  const attrs = { size, strides: geometry.strides, pads: [t, b + extra[0], l, r + extra[1]] };
  ctx.setRuntime(info.outputs[0], ctx.emit({ name: outputName(info, ctx), op: 'maxPool', inputs: [x.node], attrs }, 'layer'), 4);
};

const convertAveragePool: OpConverter = (info, ctx) => {
  const x = image(info, ctx);
  const { size, geometry, extra } = poolWindow(info, ctx, x);
  const countIncludePad = info.attrs.int('count_include_pad', 0) !== 0;
  const [t, b, l, r] = geometry.pads;
  const name = outputName(info, ctx);
  let input = x.node;
  let pads = [t, b + extra[0], l, r + extra[1]];
  let countPad = countIncludePad;
  if (countIncludePad && (extra[0] > 0 || extra[1] > 0)) {
    // The declared padding counts in the average but the ceil_mode overhang does not: pad explicitly first, so
    // the declared padding becomes real pixels, and exclude the rest.
    input = ctx.emit({ name: ctx.name(`${name}/pad`), op: 'pad', inputs: [x.node], attrs: { pads: [[t, b], [l, r], [0, 0]], value: 0 } }, 'internal');
    pads = [0, extra[0], 0, extra[1]];
    countPad = false;
  }
  const attrs = { size, strides: geometry.strides, pads, countIncludePad: countPad };
  ctx.setRuntime(info.outputs[0], ctx.emit({ name, op: 'avgPool', inputs: [input], attrs }, 'layer'), 4);
};

function globalPool(op: 'globalAvgPool' | 'globalMaxPool'): OpConverter {
  return (info, ctx) => {
    const x = image(info, ctx);
    ctx.setRuntime(info.outputs[0], ctx.emit({ name: outputName(info, ctx), op, inputs: [x.node], attrs: { keepDims: true } }, 'layer'), 4);
  };
}

/** ONNX LRN sums size channels centred on c and scales alpha by 1/size; tf's takes a radius and the raw alpha. */
const convertLrn: OpConverter = (info, ctx) => {
  const x = image(info, ctx);
  const size = info.attrs.int('size');
  if (!Number.isInteger(size) || size < 1) throw invalid(info, `size ${size} must be a positive integer`);
  if (size % 2 === 0) throw unsupported(info, `an even LRN size (${size}) sums an asymmetric window`);
  const attrs = {
    radius: (size - 1) / 2,
    bias: info.attrs.float('bias', 1),
    alpha: info.attrs.float('alpha', 1e-4) / size,
    beta: info.attrs.float('beta', 0.75),
  };
  ctx.setRuntime(info.outputs[0], ctx.emit({ name: outputName(info, ctx), op: 'lrn', inputs: [x.node], attrs }, 'layer'), 4);
};

export const POOL_CONVERTERS: Record<string, OpConverter> = {
  MaxPool: convertMaxPool,
  AveragePool: convertAveragePool,
  GlobalAveragePool: globalPool('globalAvgPool'),
  GlobalMaxPool: globalPool('globalMaxPool'),
  LRN: convertLrn,
};
