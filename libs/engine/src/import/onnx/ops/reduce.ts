import { irAxis, normalizeAxis } from '../layout';
import { invalid, outputName, unsupported, type OpConverter } from './converter';

/** ReduceMean: axes as an attribute before opset 18, as an input from 18. */
const convertReduceMean: OpConverter = (info, ctx) => {
  const x = ctx.runtime(info.inputs[0], info.where);
  let axes: number[] | undefined;
  if (ctx.opset >= 18) {
    const t = ctx.optionalConstant(info.inputs[1], info.where, 'the axes');
    axes = t && t.data.length > 0 ? Array.from(t.data) : undefined;
    if (!axes && info.attrs.int('noop_with_empty_axes', 0) !== 0) return ctx.setRuntime(info.outputs[0], x.node, x.rank);
  } else if (info.attrs.has('axes')) {
    axes = info.attrs.ints('axes');
  }
  const all = axes ?? [...Array(x.rank).keys()];
  const reduced = [...new Set(all.map((a) => {
    const n = normalizeAxis(a, x.rank);
    if (n === null) throw invalid(info, `axis ${a} is out of range for rank ${x.rank}`);
    return n;
  }))].sort((a, b) => a - b);
  if (reduced.includes(0)) throw unsupported(info, 'averaging over the batch axis');
  const keepDims = info.attrs.int('keepdims', 1) !== 0;
  const name = outputName(info, ctx);

  if (x.rank === 4 && reduced.length === 2 && reduced[0] === 2 && reduced[1] === 3) {
    // Spatial mean: global average pooling.
    const node = ctx.emit({ name, op: 'globalAvgPool', inputs: [x.node], attrs: { keepDims } }, 'layer');
    return ctx.setRuntime(info.outputs[0], node, keepDims ? 4 : 2);
  }
  const outRank = keepDims ? x.rank : x.rank - reduced.length;
  if (keepDims || x.rank !== 4) {
    const node = ctx.emit({ name, op: 'mean', inputs: [x.node], attrs: { axes: reduced.map((a) => irAxis(a, x.rank)), keepDims } }, 'layer');
    return ctx.setRuntime(info.outputs[0], node, outRank);
  }
  // A rank-4 tensor loses axes: the IR keeps the NHWC order of what is left, ONNX the NCHW order; reorder if needed.
  const kept = [0, 1, 2, 3].filter((a) => !reduced.includes(a));
  const keptIr = [...kept].sort((a, b) => irAxis(a, 4) - irAxis(b, 4));
  const axesIr = reduced.map((a) => irAxis(a, 4));
  if (keptIr.every((a, i) => a === kept[i])) {
    const node = ctx.emit({ name, op: 'mean', inputs: [x.node], attrs: { axes: axesIr, keepDims: false } }, 'layer');
    return ctx.setRuntime(info.outputs[0], node, outRank);
  }
  const mean = ctx.emit({ name: ctx.name(`${name}/nhwc`), op: 'mean', inputs: [x.node], attrs: { axes: axesIr, keepDims: false } }, 'internal');
  const perm = kept.map((a) => keptIr.indexOf(a));
  ctx.setRuntime(info.outputs[0], ctx.emit({ name, op: 'transpose', inputs: [mean], attrs: { perm } }, 'layer'), outRank);
};

export const REDUCE_CONVERTERS: Record<string, OpConverter> = { ReduceMean: convertReduceMean };
