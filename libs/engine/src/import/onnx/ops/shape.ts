import { intConst } from '../const-tensor';
import type { ConversionContext, RuntimeValue } from '../context';
import { clampSlice, resolveReshape, sliceArgs } from '../fold';
import { irAxis, irTransposePerm, isIdentityPerm, NCHW_TO_NHWC_PERM, normalizeAxis } from '../layout';
import { onnx } from '../proto';
import { invalid, onlyFirstOutputUsed, outputName, unsupported, type NodeInfo, type OpConverter } from './converter';

/**
 * Ops that move data around without arithmetic: Reshape, Flatten, Transpose, Squeeze / Unsqueeze, Concat, Slice,
 * Split, Pad, and the aliases Identity / Dropout / Cast, plus Shape and Size of computed tensors (constants: the
 * shapes are static, with the batch size taken as the model's fixed one, else 1).
 */

const alias = (info: NodeInfo, ctx: ConversionContext, x: RuntimeValue, output = info.outputs[0]): void => ctx.setRuntime(output, x.node, x.rank);

function axisOf(info: NodeInfo, axis: number, rank: number): number {
  const a = normalizeAxis(axis, rank);
  if (a === null) throw invalid(info, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Emits a reshape of x to `perImage` (ONNX order), or aliases when the shape does not change. */
function reshapeTo(info: NodeInfo, ctx: ConversionContext, x: RuntimeValue, perImage: number[]): void {
  const current = ctx.onnxShape(x);
  if (perImage.length === current.length && perImage.every((d, i) => d === current[i])) return alias(info, ctx, x);
  ctx.setRuntime(info.outputs[0], ctx.reshape(outputName(info, ctx), x, perImage), perImage.length + 1);
}

const convertReshape: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const target = Array.from(ctx.constant(info.inputs[1], info.where, 'the target shape').data);
  const allowZero = info.attrs.int('allowzero', 0) === 1;
  if (target.length === 0) throw unsupported(info, 'reshaping to a scalar drops the batch axis');
  const perImage = ctx.onnxShape(x);
  const batch = target[0];
  const batchLike = batch === -1 || (batch === 0 && !allowZero) || batch === ctx.batchSize;
  if (!batchLike) throw unsupported(info, `the target shape [${target}] changes the batch axis (only a first dimension of 0, -1 or ${ctx.batchSize} is supported)`);
  if (batch === -1 && target.slice(1).includes(-1)) throw invalid(info, `the target shape [${target}] infers two dimensions`);
  // Resolve per image: the batch axis stays as it is, the rest must hold one image's values.
  const rest = resolveReshape([1, ...perImage], [1, ...target.slice(1)], allowZero, info.where).slice(1);
  reshapeTo(info, ctx, x, rest);
};

const convertFlatten: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const axis = axisOf(info, info.attrs.int('axis', 1), x.rank + 1);
  const shape = ctx.onnxShape(x);
  const lead = shape.slice(0, Math.max(axis - 1, 0)).reduce((p, d) => p * d, 1);
  if (axis === 0 || lead !== 1) throw unsupported(info, `flattening at axis ${axis} merges the batch axis with others`);
  reshapeTo(info, ctx, x, [shape.slice(axis - 1).reduce((p, d) => p * d, 1)]);
};

const convertTranspose: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const perm = info.attrs.ints('perm', [...Array(x.rank).keys()].reverse());
  if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) throw invalid(info, `perm [${perm}] is not a permutation of ${x.rank} axes`);
  if (perm[0] !== 0) throw unsupported(info, 'a transpose that moves the batch axis');
  const irPerm = irTransposePerm(perm, x.rank);
  if (isIdentityPerm(irPerm)) return alias(info, ctx, x);
  ctx.setRuntime(info.outputs[0], ctx.emit({ name: outputName(info, ctx), op: 'transpose', inputs: [x.node], attrs: { perm: irPerm } }, 'internal'), x.rank);
};

/** Axes from the attribute (before `inputFrom`) or from input 1. */
function axesInput(info: NodeInfo, ctx: ConversionContext, inputFrom: number): number[] | undefined {
  if (ctx.opset >= inputFrom) {
    const t = ctx.optionalConstant(info.inputs[1], info.where, 'the axes');
    return t ? Array.from(t.data) : undefined;
  }
  return info.attrs.has('axes') ? info.attrs.ints('axes') : undefined;
}

const convertSqueeze: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const shape = [ctx.batchSize, ...ctx.onnxShape(x)];
  const given = axesInput(info, ctx, 13);
  // Without axes every size-1 axis goes, except the batch axis, which we never touch.
  const drop = given ? given.map((a) => axisOf(info, a, x.rank)) : shape.flatMap((d, i) => (i > 0 && d === 1 ? [i] : []));
  if (drop.includes(0)) throw unsupported(info, 'squeezing the batch axis');
  if (drop.some((i) => shape[i] !== 1)) throw invalid(info, `cannot squeeze axes [${drop}] of [${shape}]`);
  reshapeTo(info, ctx, x, shape.filter((_, i) => i > 0 && !drop.includes(i)));
};

const convertUnsqueeze: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const given = axesInput(info, ctx, 13);
  if (!given) throw invalid(info, 'Unsqueeze needs axes');
  const rank = x.rank + given.length;
  const at = given.map((a) => axisOf(info, a, rank));
  if (at.includes(0)) throw unsupported(info, 'inserting an axis before the batch axis');
  const perImage = ctx.onnxShape(x);
  const out: number[] = [];
  let k = 0;
  for (let i = 1; i < rank; i++) out.push(at.includes(i) ? 1 : perImage[k++]);
  reshapeTo(info, ctx, x, out);
};

const convertConcat: OpConverter = (info, ctx) => {
  const values = info.inputs.filter(Boolean).map((i) => ctx.get(i, info.where));
  if (values.some((v) => v.kind !== 'tensor')) throw unsupported(info, 'concatenating constants with computed tensors');
  const xs = values as RuntimeValue[];
  const rank = xs[0].rank;
  if (xs.some((x) => x.rank !== rank)) throw invalid(info, 'inputs of different ranks');
  const axis = axisOf(info, info.attrs.int('axis'), rank);
  if (axis === 0) throw unsupported(info, 'concatenation along the batch axis');
  const node = ctx.emit({ name: outputName(info, ctx), op: 'concat', inputs: xs.map((x) => x.node), attrs: { axis: irAxis(axis, rank) } }, 'layer');
  ctx.setRuntime(info.outputs[0], node, rank);
};

/** One IR slice of x along ONNX axis `axis` keeping [start, end). */
function emitSlice(ctx: ConversionContext, name: string, x: RuntimeValue, ranges: Map<number, [number, number]>): string {
  const begin = new Array<number>(x.rank).fill(0);
  const size = new Array<number>(x.rank).fill(-1);
  for (const [axis, [s, e]] of ranges) {
    begin[irAxis(axis, x.rank)] = s;
    size[irAxis(axis, x.rank)] = e - s;
  }
  return ctx.emit({ name, op: 'slice', inputs: [x.node], attrs: { begin, size } }, 'internal');
}

const convertSlice: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const consts = info.inputs.map((name, i) => (i > 0 && name ? ctx.constant(name, info.where, 'the slice bounds') : undefined));
  const { starts, ends, axes, steps } = sliceArgs({ inputs: consts, attrs: info.attrs, opset: ctx.opset }, x.rank);
  const shape = ctx.onnxShape(x);
  const ranges = new Map<number, [number, number]>();
  axes.forEach((axis, i) => {
    if (steps[i] !== 1) throw unsupported(info, `slice step ${steps[i]} (only 1 is supported)`);
    if (axis === 0) {
      if (clampSlice(starts[i], ends[i], ctx.batchSize)[0] !== 0 || ends[i] < ctx.batchSize) throw unsupported(info, 'slicing the batch axis');
      return;
    }
    const [s, e] = clampSlice(starts[i], ends[i], shape[axis - 1]);
    if (e <= s) throw invalid(info, `the slice [${starts[i]}, ${ends[i]}) of axis ${axis} is empty`);
    ranges.set(axis, [s, e]);
  });
  if ([...ranges].every(([axis, [s, e]]) => s === 0 && e === shape[axis - 1])) return alias(info, ctx, x);
  ctx.setRuntime(info.outputs[0], emitSlice(ctx, outputName(info, ctx), x, ranges), x.rank);
};

const convertSplit: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const axis = axisOf(info, info.attrs.int('axis', 0), x.rank);
  if (axis === 0) throw unsupported(info, 'splitting the batch axis');
  const dim = ctx.onnxShape(x)[axis - 1];
  const count = info.outputs.length;
  let sizes: number[];
  const given = ctx.opset >= 13 ? ctx.optionalConstant(info.inputs[1], info.where, 'the split sizes') : undefined;
  if (given) sizes = Array.from(given.data);
  else if (ctx.opset < 13 && info.attrs.has('split')) sizes = info.attrs.ints('split');
  else {
    // Equal parts; from opset 18 (num_outputs) the last may be smaller.
    const part = Math.ceil(dim / count);
    sizes = Array.from({ length: count }, (_, i) => Math.min(part, dim - part * i));
    if (ctx.opset < 18 && dim % count !== 0) throw invalid(info, `${dim} does not split evenly into ${count} parts`);
  }
  if (sizes.length !== count || sizes.some((s) => !Number.isInteger(s) || s < 1) || sizes.reduce((a, b) => a + b, 0) !== dim) {
    throw invalid(info, `split sizes [${sizes}] do not partition ${dim} into ${count} outputs`);
  }
  let start = 0;
  sizes.forEach((s, i) => {
    const node = emitSlice(ctx, outputName(info, ctx, i), x, new Map([[axis, [start, start + s]]]));
    ctx.setRuntime(info.outputs[i], node, x.rank);
    start += s;
  });
};

const convertPad: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  const mode = info.attrs.string('mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect') throw unsupported(info, `pad mode "${mode}" (constant and reflect are supported)`);
  let pads: number[];
  let value = 0;
  let axes = [...Array(x.rank).keys()];
  if (ctx.opset < 11) {
    pads = info.attrs.ints('pads');
    value = info.attrs.float('value', 0);
  } else {
    pads = Array.from(ctx.constant(info.inputs[1], info.where, 'the pads').data);
    const v = ctx.optionalConstant(info.inputs[2], info.where, 'the pad value');
    if (v) value = v.data[0] ?? 0;
    const a = ctx.optionalConstant(info.inputs[3], info.where, 'the axes');
    if (a) axes = Array.from(a.data, (ax) => axisOf(info, ax, x.rank));
  }
  if (pads.length !== 2 * axes.length) throw invalid(info, `${pads.length} pads for ${axes.length} axes`);
  const perAxis = new Map<number, [number, number]>();
  axes.forEach((axis, i) => perAxis.set(axis, [pads[i], pads[i + axes.length]]));
  if ([...perAxis.values()].some(([b, e]) => !Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < 0)) throw unsupported(info, 'negative pads (cropping)');
  const batchPads = perAxis.get(0);
  if (batchPads && (batchPads[0] !== 0 || batchPads[1] !== 0)) throw unsupported(info, 'padding the batch axis');
  // IR pads are per IR axis without batch; IR axis j of a rank-4 tensor holds ONNX axis NCHW_TO_NHWC_PERM[j].
  const irPads = Array.from({ length: x.rank - 1 }, (_, j) => perAxis.get(x.rank === 4 ? NCHW_TO_NHWC_PERM[j + 1] : j + 1) ?? [0, 0]);
  if (irPads.every(([b, e]) => b === 0 && e === 0)) return alias(info, ctx, x);
  const node = ctx.emit({ name: outputName(info, ctx), op: 'pad', inputs: [x.node], attrs: { pads: irPads, value, mode } }, 'internal');
  ctx.setRuntime(info.outputs[0], node, x.rank);
};

const FLOAT_CASTS = new Set<number>([onnx.TensorProto.DataType.FLOAT, onnx.TensorProto.DataType.DOUBLE, onnx.TensorProto.DataType.FLOAT16]);

export const SHAPE_CONVERTERS: Record<string, OpConverter> = {
  Reshape: convertReshape,
  Flatten: convertFlatten,
  Transpose: convertTranspose,
  Squeeze: convertSqueeze,
  Unsqueeze: convertUnsqueeze,
  Concat: convertConcat,
  Slice: convertSlice,
  Split: convertSplit,
  Pad: convertPad,
  Identity: (info, ctx) => alias(info, ctx, ctx.runtime(info.inputs[0], info.where)),
  Dropout: (info, ctx) => {
    onlyFirstOutputUsed(info, ctx);
    alias(info, ctx, ctx.runtime(info.inputs[0], info.where));
  },
  Cast: (info, ctx) => {
    if (!FLOAT_CASTS.has(info.attrs.int('to'))) throw unsupported(info, 'casting a computed tensor to a non-float type');
    alias(info, ctx, ctx.runtime(info.inputs[0], info.where));
  },
  Shape: (info, ctx) => {
    const x = ctx.runtime(info.inputs[0], info.where);
    const dims = [ctx.batchSize, ...ctx.onnxShape(x)];
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + dims.length : v, 0), dims.length);
    ctx.setConst(info.outputs[0], intConst(dims.slice(clamp(info.attrs.int('start', 0)), clamp(info.attrs.int('end', dims.length)))));
  },
  Size: (info, ctx) => {
    const x = ctx.runtime(info.inputs[0], info.where);
    ctx.setConst(info.outputs[0], intConst([ctx.batchSize * ctx.onnxShape(x).reduce((p, d) => p * d, 1)], []));
  },
};
