import type { WeightTensor } from '../../../ir/graph';
import { broadcastShapes, ShapeError } from '../../../ir/shapes';
import { expandConst, transposeConst, type ConstTensor } from '../const-tensor';
import type { ConversionContext, RuntimeValue } from '../context';
import { invalid, onlyFirstOutputUsed, outputName, unsupported, type NodeInfo, type OpConverter } from './converter';
import { kernelPair, windowGeometry } from './window';

/** Conv, Gemm, MatMul and BatchNormalization (folded into the preceding conv / dense when it is theirs alone). */

function floatWeight(info: NodeInfo, t: ConstTensor, what: string): ConstTensor {
  if (t.dtype !== 'float') throw unsupported(info, `${what} is not a float tensor (quantized models are not supported)`);
  return t;
}

function asWeight(t: ConstTensor): WeightTensor {
  return { shape: [...t.dims], data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) };
}

/** A per-output-channel vector from a bias-like constant that broadcasts to [n]. */
function channelVector(info: NodeInfo, t: ConstTensor, n: number, what: string): Float32Array {
  const squeezed = { ...t, dims: t.dims.filter((d, i) => !(d === 1 && i < t.dims.length - 1)) };
  if (squeezed.dims.length > 1 || (squeezed.dims.length === 1 && squeezed.dims[0] !== 1 && squeezed.dims[0] !== n)) {
    throw unsupported(info, `${what} of shape [${t.dims}] does not broadcast to one value per output (${n})`);
  }
  return Float32Array.from(expandConst(squeezed, [n]).data);
}

function registerLinear(ctx: ConversionContext, node: string, kernel: WeightTensor, bias: WeightTensor | undefined, outChannels: number): void {
  ctx.foldable.set(node, { kernel, bias, outChannels });
}

export const convertConv: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  if (x.rank !== 4) throw unsupported(info, `only 2-D convolutions of [N, C, H, W] tensors are supported (input rank ${x.rank})`);
  const w = floatWeight(info, ctx.constant(info.inputs[1], info.where, 'the weight'), 'the weight');
  if (w.dims.length !== 4) throw unsupported(info, `weight of shape [${w.dims}]: only 2-D convolutions are supported`);
  const [outC, inPerGroup, kh, kw] = w.dims;
  const [inC, inH, inW] = ctx.onnxShape(x);
  const group = info.attrs.int('group', 1);
  if (!Number.isInteger(group) || group < 1 || inPerGroup * group !== inC || outC % group !== 0) {
    throw invalid(info, `weight [${w.dims}] with group=${group} does not fit ${inC} input channels`);
  }
  if (info.attrs.has('kernel_shape')) {
    const k = kernelPair(info, info.attrs.ints('kernel_shape'));
    if (k[0] !== kh || k[1] !== kw) throw invalid(info, `kernel_shape [${k}] differs from the weight's [${kh}, ${kw}]`);
  }
  const geometry = windowGeometry(info, [inH, inW], [kh, kw]);
  const bias = ctx.optionalConstant(info.inputs[2], info.where, 'the bias');

  // OIHW → HWIO; for depthwise (one input channel per group) [kh, kw, 1, O] is [kh, kw, C, multiplier] in order.
  const hwio = transposeConst(w, [2, 3, 1, 0]);
  const depthwise = group === inC && inPerGroup === 1 && group > 1;
  const name = outputName(info, ctx);
  const kernel: WeightTensor = depthwise ? { shape: [kh, kw, inC, outC / inC], data: asWeight(hwio).data } : asWeight(hwio);
  const biasWeight: WeightTensor | undefined = bias ? { shape: [outC], data: channelVector(info, floatWeight(info, bias, 'the bias'), outC, 'the bias') } : undefined;
  const params: Record<string, string> = { filter: ctx.addWeight(`${name}/filter`, kernel) };
  if (biasWeight) params.bias = ctx.addWeight(`${name}/bias`, biasWeight);
  const attrs = { strides: geometry.strides, dilations: geometry.dilations, pads: geometry.pads, ...(depthwise || group === 1 ? {} : { groups: group }) };
  const node = ctx.emit({ name, op: depthwise ? 'depthwiseConv2d' : 'conv2d', inputs: [x.node], attrs, params }, 'linear');
  registerLinear(ctx, node, kernel, biasWeight, outC);
  ctx.setRuntime(info.outputs[0], node, 4);
};

function emitDense(info: NodeInfo, ctx: ConversionContext, x: RuntimeValue, kernel: WeightTensor, bias: WeightTensor | undefined): void {
  const name = outputName(info, ctx);
  const params: Record<string, string> = { kernel: ctx.addWeight(`${name}/kernel`, kernel) };
  if (bias) params.bias = ctx.addWeight(`${name}/bias`, bias);
  const outF = kernel.shape[1];
  const onnxOut = [...ctx.onnxShape(x).slice(0, -1), outF];
  const node = ctx.emitInOnnxOrder(name, { op: 'dense', inputs: [ctx.toOnnxOrder(x)], params }, onnxOut, 'linear');
  if (node === name) registerLinear(ctx, node, kernel, bias, outF);
  ctx.setRuntime(info.outputs[0], node, x.rank);
}

export const convertGemm: OpConverter = (info, ctx) => {
  const a = ctx.runtime(info.inputs[0], info.where);
  if (a.rank !== 2) throw invalid(info, `Gemm needs a 2-D input, got rank ${a.rank}`);
  if (info.attrs.int('transA', 0) !== 0) throw unsupported(info, 'transA=1 would mix the batch axis into the product');
  const b = floatWeight(info, ctx.constant(info.inputs[1], info.where, 'the weight B'), 'the weight B');
  if (b.dims.length !== 2) throw invalid(info, `B must be 2-D, got [${b.dims}]`);
  const alpha = info.attrs.float('alpha', 1);
  const beta = info.attrs.float('beta', 1);
  const kernel = info.attrs.int('transB', 0) ? transposeConst(b, [1, 0]) : b;
  const [k, m] = kernel.dims;
  if (ctx.onnxShape(a)[0] !== k) throw invalid(info, `B [${b.dims}] does not fit an input of ${ctx.onnxShape(a)[0]} features`);
  const kernelData = Float32Array.from(kernel.data, (v) => v * alpha);
  const c = ctx.optionalConstant(info.inputs[2], info.where, 'the bias C');
  const bias = c && beta !== 0 ? Float32Array.from(channelVector(info, floatWeight(info, c, 'the bias C'), m, 'the bias C'), (v) => v * beta) : undefined;
  emitDense(info, ctx, a, { shape: [k, m], data: kernelData }, bias ? { shape: [m], data: bias } : undefined);
};

export const convertMatMul: OpConverter = (info, ctx) => {
  const av = ctx.get(info.inputs[0], info.where);
  const bv = ctx.get(info.inputs[1], info.where);
  if (av.kind !== 'tensor') throw unsupported(info, 'a constant left operand times a computed right operand is not supported');
  if (av.rank < 2) throw invalid(info, `MatMul needs operands of rank >= 2, got ${av.rank}`);
  if (bv.kind === 'const') {
    const b = floatWeight(info, bv.tensor, 'the right operand');
    if (b.dims.length !== 2) throw unsupported(info, `a constant right operand of shape [${b.dims}] (only 2-D weights are supported)`);
    if (ctx.onnxShape(av).at(-1) !== b.dims[0]) throw invalid(info, `[${ctx.onnxShape(av)}] × [${b.dims}]: inner dimensions differ`);
    // A copy: folding a BatchNormalization scales the kernel in place, and the initializer may be shared.
    emitDense(info, ctx, av, { shape: [...b.dims], data: Float32Array.from(b.data) }, undefined);
    return;
  }
  if (av.rank !== bv.rank || av.rank < 3) throw unsupported(info, `a product of two computed tensors needs equal ranks of at least 3 (got ${av.rank} and ${bv.rank})`);
  const as = ctx.onnxShape(av);
  const bs = ctx.onnxShape(bv);
  if (as.at(-1) !== bs.at(-2)) throw invalid(info, `[${as}] × [${bs}]: inner dimensions differ`);
  let batchDims: number[];
  try {
    batchDims = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
  } catch (e) {
    if (e instanceof ShapeError) throw invalid(info, e.message);
    throw e;
  }
  const out = [...batchDims, as.at(-2)!, bs.at(-1)!];
  const node = ctx.emitInOnnxOrder(outputName(info, ctx), { op: 'matMul', inputs: [ctx.toOnnxOrder(av), ctx.toOnnxOrder(bv)] }, out, 'linear');
  ctx.setRuntime(info.outputs[0], node, av.rank);
};

export const convertBatchNorm: OpConverter = (info, ctx) => {
  onlyFirstOutputUsed(info, ctx);
  if (info.attrs.int('training_mode', 0) !== 0) throw unsupported(info, 'training_mode=1 normalizes with batch statistics; export the model in eval mode');
  const x = ctx.runtime(info.inputs[0], info.where);
  if (x.rank !== 4 && x.rank !== 2) throw unsupported(info, `batch normalization of a rank-${x.rank} tensor (only [N, C, H, W] and [N, C])`);
  const channels = ctx.onnxShape(x)[0];
  const read = (i: number, what: string): ConstTensor => {
    const t = floatWeight(info, ctx.constant(info.inputs[i], info.where, what), what);
    if (t.data.length !== channels) throw invalid(info, `${what} has ${t.data.length} values for ${channels} channels`);
    return t;
  };
  const [gamma, betaT, mean, variance] = [read(1, 'the scale'), read(2, 'the bias'), read(3, 'the mean'), read(4, 'the variance')];
  const epsilon = info.attrs.float('epsilon', 1e-5);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = gamma.data[c] / Math.sqrt(variance.data[c] + epsilon);
    scale[c] = s;
    shift[c] = betaT.data[c] - mean.data[c] * s;
  }

  const producer = ctx.foldable.get(x.node);
  const ownsProducer =
    producer && ctx.onnxValueOf.get(x.node) === info.inputs[0] && ctx.consumerCount(info.inputs[0]) === 1 && !ctx.isGraphOutput(info.inputs[0]);
  if (producer && ownsProducer && producer.outChannels === channels) {
    foldIntoLinear(ctx, x.node, producer, scale, shift);
    ctx.onnxValueOf.set(x.node, info.outputs[0]);
    ctx.setRuntime(info.outputs[0], x.node, x.rank);
    return;
  }
  const name = outputName(info, ctx);
  const params = { scale: ctx.weight(`${name}/scale`, [channels], scale), shift: ctx.weight(`${name}/shift`, [channels], shift) };
  ctx.setRuntime(info.outputs[0], ctx.emit({ name, op: 'scaleShift', inputs: [x.node], params }, 'affine'), x.rank);
};

/** y = (W x + b) * s + t  →  W' = W * s (per output channel), b' = b * s + t. */
function foldIntoLinear(ctx: ConversionContext, node: string, linear: { kernel: WeightTensor; bias?: WeightTensor; outChannels: number }, scale: Float32Array, shift: Float32Array): void {
  const n = linear.outChannels;
  const k = linear.kernel.data;
  for (let i = 0; i < k.length; i++) k[i] *= scale[i % n];
  if (linear.bias) {
    const b = linear.bias.data;
    for (let c = 0; c < n; c++) b[c] = b[c] * scale[c] + shift[c];
  } else {
    const bias: WeightTensor = { shape: [n], data: Float32Array.from(shift) };
    const irNode = ctx.builder.node(node)!;
    irNode.params.bias = ctx.addWeight(`${node}/bias`, bias);
    linear.bias = bias;
  }
}
