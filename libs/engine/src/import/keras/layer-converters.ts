import { MicroscopeError } from '@microscope/contracts';
import type { NodeSpec } from '../../ir/builder';
import type { GraphBuilder } from '../../ir/builder';
import { samePads, type Pads } from '../../ir/padding';
import { shapeSize } from '../../ir/shapes';
import { kerasActivation } from './activations';
import { LayerConfig } from './config';
import type { KerasLayer } from './topology';

/** What a converter sees: the layer, its inputs as IR node names, and access to its weights. */
export interface LayerContext {
  b: GraphBuilder;
  layer: KerasLayer;
  cfg: LayerConfig;
  inputs: string[];
  /** The layer's weight `kind` ("kernel", "bias", …) after checking its shape; registered in the IR, returns its name. */
  weight(kind: string, expectedShape: number[]): string;
  /** The values of a layer weight after checking its shape, for weights the importer folds. */
  weightValues(kind: string, expectedShape: number[]): Float32Array;
  /** The stored shape of a layer weight, for hyper-parameters some writers leave out of the config. */
  weightShape(kind: string): number[];
  /** Registers a weight the importer computed. */
  constant(kind: string, shape: number[], data: Float32Array): string;
}

type Converter = (ctx: LayerContext) => void;
type Spec = Omit<NodeSpec, 'name' | 'isLayer'>;

const unsupported = (ctx: LayerContext, what: string): MicroscopeError =>
  new MicroscopeError('UNSUPPORTED', `layer "${ctx.layer.name}" (${ctx.layer.className}): ${what} is not supported`);

function single(ctx: LayerContext): string {
  if (ctx.inputs.length !== 1) {
    throw new MicroscopeError('INVALID_MODEL', `layer "${ctx.layer.name}" (${ctx.layer.className}) takes one input, got ${ctx.inputs.length}`);
  }
  return ctx.inputs[0];
}

function channelsLast(ctx: LayerContext): void {
  const format = ctx.cfg.string('data_format', 'channels_last');
  if (format !== 'channels_last') throw unsupported(ctx, `data_format "${format}"`);
}

function imageShape(ctx: LayerContext, input: string): [number, number, number] {
  const s = ctx.b.shapeOf(input);
  if (s.length !== 3) {
    throw new MicroscopeError('INVALID_MODEL', `layer "${ctx.layer.name}" (${ctx.layer.className}) needs an [H, W, C] input, got [${s.join(', ')}]`);
  }
  return [s[0], s[1], s[2]];
}

/** Keras 'valid' / 'same' padding as explicit [top, bottom, left, right] pads. */
function windowPads(ctx: LayerContext, input: string, kernel: [number, number], strides: [number, number], dilations: [number, number]): Pads {
  const padding = ctx.cfg.string('padding', 'valid').toLowerCase();
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    const [h, w] = imageShape(ctx, input);
    return samePads([h, w], kernel, strides, dilations);
  }
  throw unsupported(ctx, `padding "${padding}"`);
}

function activationOf(ctx: LayerContext, key = 'activation') {
  const act = kerasActivation(ctx.cfg.raw(key));
  if (act === undefined) throw unsupported(ctx, `activation ${JSON.stringify(ctx.cfg.raw(key))}`);
  return act;
}

/** Emits the layer's main op; with an activation, the op becomes `<name>/linear` and the activation takes the name. */
function emitWithActivation(ctx: LayerContext, spec: Spec): void {
  const act = activationOf(ctx);
  if (!act) {
    ctx.b.add({ ...spec, name: ctx.layer.name, isLayer: true });
    return;
  }
  const linear = ctx.b.add({ ...spec, name: `${ctx.layer.name}/linear`, isLayer: false });
  ctx.b.add({ name: ctx.layer.name, op: act.op, attrs: act.attrs, inputs: [linear], isLayer: true });
}

function emit(ctx: LayerContext, spec: Spec): void {
  ctx.b.add({ ...spec, name: ctx.layer.name, isLayer: true });
}

const conv2d: Converter = (ctx) => {
  channelsLast(ctx);
  const x = single(ctx);
  const [, , c] = imageShape(ctx, x);
  const kernel = ctx.cfg.pair('kernel_size');
  const strides = ctx.cfg.pair('strides', [1, 1]);
  const dilations = ctx.cfg.pair('dilation_rate', [1, 1]);
  const groups = ctx.cfg.number('groups', 1);
  const filters = ctx.cfg.number('filters');
  if (c % groups !== 0) throw new MicroscopeError('INVALID_MODEL', `layer "${ctx.layer.name}": ${c} input channels are not divisible by groups=${groups}`);
  const params: Record<string, string> = { filter: ctx.weight('kernel', [kernel[0], kernel[1], c / groups, filters]) };
  if (ctx.cfg.boolean('use_bias', true)) params.bias = ctx.weight('bias', [filters]);
  emitWithActivation(ctx, {
    op: 'conv2d',
    inputs: [x],
    params,
    attrs: { strides, dilations, pads: windowPads(ctx, x, kernel, strides, dilations), groups },
  });
};

const depthwiseConv2d: Converter = (ctx) => {
  channelsLast(ctx);
  const x = single(ctx);
  const [, , c] = imageShape(ctx, x);
  const kernel = ctx.cfg.pair('kernel_size');
  const strides = ctx.cfg.pair('strides', [1, 1]);
  const dilations = ctx.cfg.pair('dilation_rate', [1, 1]);
  const multiplier = ctx.cfg.number('depth_multiplier', 1);
  const params: Record<string, string> = { filter: ctx.weight('depthwise_kernel', [kernel[0], kernel[1], c, multiplier]) };
  if (ctx.cfg.boolean('use_bias', true)) params.bias = ctx.weight('bias', [c * multiplier]);
  emitWithActivation(ctx, {
    op: 'depthwiseConv2d',
    inputs: [x],
    params,
    attrs: { strides, dilations, pads: windowPads(ctx, x, kernel, strides, dilations) },
  });
};

/** SeparableConv2D = depthwise (`<name>/depthwise`) then a 1×1 convolution carrying the bias. */
const separableConv2d: Converter = (ctx) => {
  channelsLast(ctx);
  const x = single(ctx);
  const [, , c] = imageShape(ctx, x);
  const kernel = ctx.cfg.pair('kernel_size');
  const strides = ctx.cfg.pair('strides', [1, 1]);
  const dilations = ctx.cfg.pair('dilation_rate', [1, 1]);
  // TF.js leaves depth_multiplier out of SeparableConv2D's config; the depthwise kernel's last axis is it.
  const multiplier = ctx.cfg.optionalNumber('depth_multiplier') ?? ctx.weightShape('depthwise_kernel')[3] ?? 1;
  const filters = ctx.cfg.number('filters');
  const depthwise = ctx.b.add({
    name: `${ctx.layer.name}/depthwise`,
    op: 'depthwiseConv2d',
    inputs: [x],
    params: { filter: ctx.weight('depthwise_kernel', [kernel[0], kernel[1], c, multiplier]) },
    attrs: { strides, dilations, pads: windowPads(ctx, x, kernel, strides, dilations) },
    isLayer: false,
  });
  const params: Record<string, string> = { filter: ctx.weight('pointwise_kernel', [1, 1, c * multiplier, filters]) };
  if (ctx.cfg.boolean('use_bias', true)) params.bias = ctx.weight('bias', [filters]);
  emitWithActivation(ctx, {
    op: 'conv2d',
    inputs: [depthwise],
    params,
    attrs: { strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 },
  });
};

const dense: Converter = (ctx) => {
  const x = single(ctx);
  const shape = ctx.b.shapeOf(x);
  const units = ctx.cfg.number('units');
  const params: Record<string, string> = { kernel: ctx.weight('kernel', [shape[shape.length - 1], units]) };
  if (ctx.cfg.boolean('use_bias', true)) params.bias = ctx.weight('bias', [units]);
  emitWithActivation(ctx, { op: 'dense', inputs: [x], params, attrs: {} });
};

const flatten: Converter = (ctx) => emit(ctx, { op: 'flatten', inputs: [single(ctx)] });

const reshape: Converter = (ctx) => {
  const x = single(ctx);
  const target = ctx.cfg.raw('target_shape');
  if (!Array.isArray(target) || !target.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) {
    throw new MicroscopeError('INVALID_MODEL', `layer "${ctx.layer.name}" (Reshape) has an invalid target_shape`);
  }
  const total = shapeSize(ctx.b.shapeOf(x));
  const known = (target as number[]).filter((d) => d > 0).reduce((a, d) => a * d, 1);
  const shape = (target as number[]).map((d) => (d === -1 ? total / known : d));
  emit(ctx, { op: 'reshape', inputs: [x], attrs: { shape } });
};

const activation: Converter = (ctx) => {
  const act = activationOf(ctx);
  const x = single(ctx);
  emit(ctx, act ? { op: act.op, inputs: [x], attrs: act.attrs } : { op: 'identity', inputs: [x] });
};

const relu: Converter = (ctx) => {
  const x = single(ctx);
  const max = ctx.cfg.optionalNumber('max_value');
  const slope = ctx.cfg.number('negative_slope', 0);
  const threshold = ctx.cfg.number('threshold', 0);
  if (threshold !== 0) throw unsupported(ctx, `threshold ${threshold}`);
  if (slope !== 0) {
    if (max !== null) throw unsupported(ctx, 'max_value with negative_slope');
    emit(ctx, { op: 'leakyRelu', inputs: [x], attrs: { alpha: slope } });
  } else if (max === null) emit(ctx, { op: 'relu', inputs: [x] });
  else if (max === 6) emit(ctx, { op: 'relu6', inputs: [x] });
  else emit(ctx, { op: 'clip', inputs: [x], attrs: { min: 0, max } });
};

const leakyRelu: Converter = (ctx) => {
  const alpha = ctx.cfg.optionalNumber('alpha') ?? ctx.cfg.number('negative_slope', 0.3);
  emit(ctx, { op: 'leakyRelu', inputs: [single(ctx)], attrs: { alpha } });
};

const elu: Converter = (ctx) => {
  const alpha = ctx.cfg.number('alpha', 1);
  emit(ctx, { op: 'elu', inputs: [single(ctx)], attrs: { alpha } });
};

const softmax: Converter = (ctx) => {
  const axis = ctx.cfg.raw('axis');
  const a = Array.isArray(axis) ? (axis.length === 1 ? axis[0] : NaN) : (axis ?? -1);
  if (typeof a !== 'number' || Number.isNaN(a)) throw unsupported(ctx, `axis ${JSON.stringify(axis)}`);
  emit(ctx, { op: 'softmax', inputs: [single(ctx)], attrs: { axis: a } });
};

const prelu: Converter = (ctx) => {
  const x = single(ctx);
  const shape = [...ctx.b.shapeOf(x)];
  const shared = ctx.cfg.raw('shared_axes');
  const sharedAxes = shared === null || shared === undefined ? [] : Array.isArray(shared) ? shared : [shared];
  for (const a of sharedAxes) {
    if (!Number.isInteger(a) || a < 1 || a > shape.length) throw unsupported(ctx, `shared_axes ${JSON.stringify(shared)}`);
    shape[(a as number) - 1] = 1;
  }
  emit(ctx, { op: 'prelu', inputs: [x], params: { alpha: ctx.weight('alpha', shape) } });
};

function pooling(op: 'maxPool' | 'avgPool'): Converter {
  return (ctx) => {
    channelsLast(ctx);
    const x = single(ctx);
    const size = ctx.cfg.pair('pool_size', [2, 2]);
    const strides = ctx.cfg.pair('strides', size);
    const pads = windowPads(ctx, x, size, strides, [1, 1]);
    // Keras and TF average only over real pixels at the border.
    emit(ctx, { op, inputs: [x], attrs: { size, strides, pads, countIncludePad: false } });
  };
}

function globalPooling(op: 'globalAvgPool' | 'globalMaxPool'): Converter {
  return (ctx) => {
    channelsLast(ctx);
    emit(ctx, { op, inputs: [single(ctx)], attrs: { keepDims: ctx.cfg.boolean('keepdims', false) } });
  };
}

/** Inference-mode batch normalization folded to y = x * scale + shift on the last axis. */
const batchNormalization: Converter = (ctx) => {
  const x = single(ctx);
  const shape = ctx.b.shapeOf(x);
  const axisRaw = ctx.cfg.raw('axis');
  const axis = Array.isArray(axisRaw) && axisRaw.length === 1 ? axisRaw[0] : (axisRaw ?? -1);
  if (axis !== -1 && axis !== shape.length) throw unsupported(ctx, `normalizing axis ${JSON.stringify(axisRaw)} (only the channel axis)`);
  const c = shape[shape.length - 1];
  const eps = ctx.cfg.number('epsilon', 1e-3);
  const gamma = ctx.cfg.boolean('scale', true) ? ctx.weightValues('gamma', [c]) : new Float32Array(c).fill(1);
  const beta = ctx.cfg.boolean('center', true) ? ctx.weightValues('beta', [c]) : new Float32Array(c);
  const mean = ctx.weightValues('moving_mean', [c]);
  const variance = ctx.weightValues('moving_variance', [c]);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = gamma[i] / Math.sqrt(variance[i] + eps);
    shift[i] = beta[i] - mean[i] * scale[i];
  }
  emit(ctx, {
    op: 'scaleShift',
    inputs: [x],
    params: { scale: ctx.constant('scale', [c], scale), shift: ctx.constant('shift', [c], shift) },
  });
};

const identity: Converter = (ctx) => emit(ctx, { op: 'identity', inputs: [single(ctx)] });

/** Add / Multiply / … over n inputs: a chain of binary ops whose last one takes the layer's name. */
function merge(op: 'add' | 'sub' | 'mul' | 'maximum' | 'minimum', average = false): Converter {
  return (ctx) => {
    if (ctx.inputs.length < 2) throw new MicroscopeError('INVALID_MODEL', `layer "${ctx.layer.name}" (${ctx.layer.className}) needs at least two inputs`);
    if (op === 'sub' && ctx.inputs.length !== 2) throw new MicroscopeError('INVALID_MODEL', `layer "${ctx.layer.name}" (Subtract) takes exactly two inputs`);
    const steps = ctx.inputs.length - 1 + (average ? 1 : 0);
    let acc = ctx.inputs[0];
    ctx.inputs.slice(1).forEach((input, i) => {
      const last = i === steps - 1;
      acc = ctx.b.add({ name: last ? ctx.layer.name : `${ctx.layer.name}/${op}_${i + 1}`, op, inputs: [acc, input], isLayer: last });
    });
    if (average) {
      const n = ctx.constant('divisor', [], new Float32Array([1 / ctx.inputs.length]));
      emit(ctx, { op: 'mul', inputs: [acc], params: { constant: n } });
    }
  };
}

const concatenate: Converter = (ctx) => {
  const rank = ctx.b.shapeOf(ctx.inputs[0]).length + 1;
  const axis = ctx.cfg.number('axis', -1);
  emit(ctx, { op: 'concat', inputs: [...ctx.inputs], attrs: { axis: axis < 0 ? axis + rank : axis } });
};

const zeroPadding2d: Converter = (ctx) => {
  channelsLast(ctx);
  const [t, b, l, r] = ctx.cfg.sides('padding');
  emit(ctx, { op: 'pad', inputs: [single(ctx)], attrs: { pads: [[t, b], [l, r], [0, 0]], value: 0, mode: 'constant' } });
};

const cropping2d: Converter = (ctx) => {
  channelsLast(ctx);
  const x = single(ctx);
  const [h, w] = imageShape(ctx, x);
  const [t, b, l, r] = ctx.cfg.sides('cropping');
  emit(ctx, { op: 'slice', inputs: [x], attrs: { begin: [0, t, l, 0], size: [-1, h - t - b, w - l - r, -1] } });
};

/** UpSampling2D as TF.js runs it: resize without align-corners or half-pixel centres. */
const upSampling2d: Converter = (ctx) => {
  channelsLast(ctx);
  const x = single(ctx);
  const [h, w] = imageShape(ctx, x);
  const [sh, sw] = ctx.cfg.pair('size', [2, 2]);
  const method = ctx.cfg.string('interpolation', 'nearest');
  if (method !== 'nearest' && method !== 'bilinear') throw unsupported(ctx, `interpolation "${method}"`);
  emit(ctx, { op: 'resize', inputs: [x], attrs: { size: [h * sh, w * sw], method, alignCorners: false, halfPixelCenters: false } });
};

/** Keras preprocessing Rescaling: x * scale + offset. */
const rescaling: Converter = (ctx) => {
  const x = single(ctx);
  const scale = ctx.cfg.number('scale');
  const offset = ctx.cfg.number('offset', 0);
  const scaled = ctx.b.add({
    name: offset === 0 ? ctx.layer.name : `${ctx.layer.name}/scale`,
    op: 'mul',
    inputs: [x],
    params: { constant: ctx.constant('scale', [], new Float32Array([scale])) },
    isLayer: offset === 0,
  });
  if (offset !== 0) emit(ctx, { op: 'add', inputs: [scaled], params: { constant: ctx.constant('offset', [], new Float32Array([offset])) } });
};

export const LAYER_CONVERTERS: Record<string, Converter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Dense: dense,
  Flatten: flatten,
  Reshape: reshape,
  Activation: activation,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  Softmax: softmax,
  PReLU: prelu,
  MaxPooling2D: pooling('maxPool'),
  MaxPool2D: pooling('maxPool'),
  AveragePooling2D: pooling('avgPool'),
  AvgPool2D: pooling('avgPool'),
  GlobalAveragePooling2D: globalPooling('globalAvgPool'),
  GlobalAvgPool2D: globalPooling('globalAvgPool'),
  GlobalMaxPooling2D: globalPooling('globalMaxPool'),
  GlobalMaxPool2D: globalPooling('globalMaxPool'),
  BatchNormalization: batchNormalization,
  Dropout: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  Add: merge('add'),
  Subtract: merge('sub'),
  Multiply: merge('mul'),
  Maximum: merge('maximum'),
  Minimum: merge('minimum'),
  Average: merge('add', true),
  Concatenate: concatenate,
  ZeroPadding2D: zeroPadding2d,
  Cropping2D: cropping2d,
  UpSampling2D: upSampling2d,
  Rescaling: rescaling,
};
