import type { AttrValue, OpType } from '../../../ir/graph';
import type { ConversionContext, RuntimeValue } from '../context';
import { irAxis, normalizeAxis } from '../layout';
import { constantLike } from './elementwise';
import { invalid, outputName, unsupported, type NodeInfo, type OpConverter } from './converter';

/** Activation functions, Clip and Softmax. */

function unary(op: OpType, attrs: (info: NodeInfo) => Record<string, AttrValue> = () => ({})): OpConverter {
  return (info, ctx) => {
    const x = ctx.runtime(info.inputs[0], info.where);
    emitActivation(info, ctx, x, op, attrs(info));
  };
}

function emitActivation(info: NodeInfo, ctx: ConversionContext, x: RuntimeValue, op: OpType, attrs: Record<string, AttrValue> = {}, params: Record<string, string> = {}): void {
  const node = ctx.emit({ name: outputName(info, ctx), op, inputs: [x.node], attrs, params }, 'activation');
  ctx.setRuntime(info.outputs[0], node, x.rank);
}

// tf.selu's constants; ONNX's defaults are the same numbers.
const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

/** Float32 limits used by exporters to mean "no bound". */
const isUnbounded = (v: number): boolean => !Number.isFinite(v) || Math.abs(v) >= 3.4e38;

const convertClip: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  let min = -Infinity;
  let max = Infinity;
  if (ctx.opset < 11) {
    min = info.attrs.float('min', -Infinity);
    max = info.attrs.float('max', Infinity);
  } else {
    const bound = (i: number, what: string): number | undefined => {
      const t = ctx.optionalConstant(info.inputs[i], info.where, what);
      if (!t) return undefined;
      if (t.data.length !== 1) throw invalid(info, `${what} must be a scalar`);
      return t.data[0];
    };
    min = bound(1, 'the minimum') ?? min;
    max = bound(2, 'the maximum') ?? max;
  }
  const hasMin = !isUnbounded(min);
  const hasMax = !isUnbounded(max);
  if (hasMin && min === 0 && hasMax && max === 6) return emitActivation(info, ctx, x, 'relu6');
  if (hasMin && min === 0 && !hasMax) return emitActivation(info, ctx, x, 'relu');
  // The ONNX spec: when min > max every value becomes max.
  if (hasMin && hasMax) return emitActivation(info, ctx, x, 'clip', { min: Math.min(min, max), max });
  if (!hasMin && !hasMax) return ctx.setRuntime(info.outputs[0], x.node, x.rank);
  const bound = { dtype: 'float' as const, dims: [], data: Float32Array.of(hasMin ? min : max) };
  const name = outputName(info, ctx);
  const params = { constant: constantLike(info, ctx, x, bound, `${name}/bound`) };
  ctx.setRuntime(info.outputs[0], ctx.emit({ name, op: hasMin ? 'maximum' : 'minimum', inputs: [x.node], params }, 'activation'), x.rank);
};

/**
 * Softmax. From opset 13 it normalizes one axis; before, it flattened every axis from `axis` on into one
 * (default axis 1), which equals a one-axis softmax when the axes after it are all of size 1.
 */
const convertSoftmax: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const axis = normalizeAxis(info.attrs.int('axis', ctx.opset < 13 ? 1 : -1), x.rank);
  if (axis === null) throw invalid(info, `axis is out of range for rank ${x.rank}`);
  if (axis === 0) throw unsupported(info, 'softmax across the batch axis');
  const shape = ctx.onnxShape(x); // per image: ONNX axis a is shape[a - 1]
  const trailing = shape.slice(axis).reduce((p, d) => p * d, 1);
  if (ctx.opset >= 13 || trailing === 1) return emitActivation(info, ctx, x, 'softmax', { axis: irAxis(axis, x.rank) });
  // Coerced form: flatten [axis, ...) into one axis, normalize it, restore the shape.
  const name = outputName(info, ctx);
  const flatShape = [...shape.slice(0, axis - 1), shape.slice(axis - 1).reduce((p, d) => p * d, 1)];
  const flat: RuntimeValue = { kind: 'tensor', rank: flatShape.length + 1, node: ctx.reshape(ctx.name(`${name}/flat`), x, flatShape) };
  const soft: RuntimeValue = { kind: 'tensor', rank: flat.rank, node: ctx.emit({ name: ctx.name(`${name}/softmax`), op: 'softmax', inputs: [flat.node], attrs: { axis: -1 } }, 'internal') };
  ctx.setRuntime(info.outputs[0], ctx.reshape(name, soft, shape, 'activation'), x.rank);
};

const convertPRelu: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const slope = ctx.constant(info.inputs[1], info.where, 'the slope');
  const name = outputName(info, ctx);
  // ONNX broadcasts the slope numpy-style (unidirectionally); PyTorch exports [C, 1, 1] for per-channel slopes.
  const params = { alpha: constantLike(info, ctx, x, slope, `${name}/alpha`) };
  ctx.setRuntime(info.outputs[0], ctx.emit({ name, op: 'prelu', inputs: [x.node], params }, 'activation'), x.rank);
};

const convertSelu: OpConverter = (info, ctx) => {
  const alpha = info.attrs.float('alpha', SELU_ALPHA);
  const gamma = info.attrs.float('gamma', SELU_GAMMA);
  if (Math.abs(alpha - SELU_ALPHA) > 1e-6 || Math.abs(gamma - SELU_GAMMA) > 1e-6) throw unsupported(info, 'Selu with non-default alpha / gamma');
  emitActivation(info, ctx, ctx.runtime(info.inputs[0], info.where), 'selu');
};

const convertGelu: OpConverter = (info, ctx) => {
  const approximate = info.attrs.string('approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') throw invalid(info, `approximate "${approximate}" is not none or tanh`);
  emitActivation(info, ctx, ctx.runtime(info.inputs[0], info.where), 'gelu', { approximate });
};

export const ACTIVATION_CONVERTERS: Record<string, OpConverter> = {
  Relu: unary('relu'),
  LeakyRelu: unary('leakyRelu', (i) => ({ alpha: i.attrs.float('alpha', 0.01) })),
  Elu: unary('elu', (i) => ({ alpha: i.attrs.float('alpha', 1) })),
  Selu: convertSelu,
  Sigmoid: unary('sigmoid'),
  HardSigmoid: unary('hardSigmoid', (i) => ({ alpha: i.attrs.float('alpha', 0.2), beta: i.attrs.float('beta', 0.5) })),
  HardSwish: unary('hardSwish'),
  Tanh: unary('tanh'),
  Softplus: unary('softplus'),
  Softsign: unary('softsign'),
  Mish: unary('mish'),
  Gelu: convertGelu,
  PRelu: convertPRelu,
  Clip: convertClip,
  Softmax: convertSoftmax,
};
