import type { ConversionContext } from '../context';
import { checkedSize, MAX_ACTIVATION_ELEMENTS } from '../limits';
import { invalid, outputName, unsupported, type NodeInfo, type OpConverter } from './converter';

/**
 * Resize (opset 10+) and Upsample (opset 7-9) onto the IR's resize, whose sampling is TF's (alignCorners,
 * halfPixelCenters). ONNX describes sampling by a coordinate transform and a rounding mode; only combinations that
 * TF reproduces exactly are accepted, which for nearest is checked index by index.
 */

type Flags = { alignCorners: boolean; halfPixelCenters: boolean };
const CANDIDATES: Flags[] = [
  { alignCorners: false, halfPixelCenters: false },
  { alignCorners: false, halfPixelCenters: true },
  { alignCorners: true, halfPixelCenters: false },
];

/** ONNX's x_original for output index x. */
function onnxSource(mode: string, x: number, scale: number, inSize: number, outSize: number): number | null {
  switch (mode) {
    case 'half_pixel': return (x + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outSize > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outSize === 1 ? 0 : (x * (inSize - 1)) / (outSize - 1);
    case 'asymmetric': return x / scale;
    case 'tf_half_pixel_for_nn': return (x + 0.5) / scale;
    default: return null;
  }
}

function roundNearest(mode: string, v: number): number | null {
  switch (mode) {
    case 'round_prefer_floor': return v === Math.floor(v) + 0.5 ? Math.floor(v) : Math.round(v);
    case 'round_prefer_ceil': return Math.round(v);
    case 'floor': return Math.floor(v);
    case 'ceil': return Math.ceil(v);
    default: return null;
  }
}

/** tfjs's resizeNearestNeighbor source index. */
function tfNearest(f: Flags, x: number, inSize: number, outSize: number): number {
  const ratio = f.alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const frac = f.halfPixelCenters ? ratio * (x + 0.5) : ratio * x;
  let idx = Math.min(inSize - 1, f.alignCorners ? Math.round(frac) : Math.floor(frac));
  if (f.halfPixelCenters) idx = Math.max(0, idx);
  return idx;
}

function nearestFlags(coordinate: string, rounding: string, axes: { inSize: number; outSize: number; scale: number }[]): Flags | null {
  const expected = axes.map(({ inSize, outSize, scale }) =>
    Array.from({ length: outSize }, (_, x) => {
      const src = onnxSource(coordinate, x, scale, inSize, outSize);
      const r = src === null ? null : roundNearest(rounding, src);
      return r === null ? null : Math.min(Math.max(r, 0), inSize - 1);
    }),
  );
  if (expected.some((e) => e.includes(null))) return null;
  return CANDIDATES.find((f) => axes.every(({ inSize, outSize }, k) => expected[k].every((src, x) => tfNearest(f, x, inSize, outSize) === src))) ?? null;
}

function linearFlags(coordinate: string, axes: { inSize: number; outSize: number; scale: number }[]): Flags | null {
  // TF samples with in/out; ONNX with 1/scale. They must agree unless the mode ignores the scale.
  const scaleMatches = axes.every(({ inSize, outSize, scale }) => Math.abs(1 / scale - inSize / outSize) < 1e-6);
  switch (coordinate) {
    case 'align_corners': return { alignCorners: true, halfPixelCenters: false };
    case 'asymmetric': return scaleMatches ? { alignCorners: false, halfPixelCenters: false } : null;
    case 'half_pixel': return scaleMatches ? { alignCorners: false, halfPixelCenters: true } : null;
    case 'pytorch_half_pixel': return scaleMatches && axes.every((a) => a.outSize > 1) ? { alignCorners: false, halfPixelCenters: true } : null;
    default: return null;
  }
}

function convertResizeLike(info: NodeInfo, ctx: ConversionContext, upsample: boolean): void {
  const x = ctx.runtime(info.inputs[0], info.where);
  if (x.rank !== 4) throw unsupported(info, `only 2-D resizing of [N, C, H, W] tensors is supported (rank ${x.rank})`);
  const [c, h, w] = ctx.onnxShape(x);
  const full = [ctx.batchSize, c, h, w];
  const mode = info.attrs.string('mode', 'nearest');
  // Before opset 11 there is no coordinate_transformation_mode: sampling is x / scale, nearest rounds down.
  const legacy = upsample || ctx.opset < 11;
  const coordinate = legacy ? 'asymmetric' : info.attrs.string('coordinate_transformation_mode', 'half_pixel');
  const rounding = legacy ? 'floor' : info.attrs.string('nearest_mode', 'round_prefer_floor');
  if (!legacy && info.attrs.int('exclude_outside', 0) !== 0) throw unsupported(info, 'exclude_outside=1');

  // Per ONNX axis: output size and scale.
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (upsample && ctx.opset < 9) scales = info.attrs.floats('scales');
  else if (upsample || ctx.opset === 10) scales = Array.from(ctx.constant(info.inputs[1], info.where, 'the scales').data);
  else {
    const s = ctx.optionalConstant(info.inputs[2], info.where, 'the scales');
    const z = ctx.optionalConstant(info.inputs[3], info.where, 'the sizes');
    if (s && s.data.length > 0) scales = Array.from(s.data);
    if (z && z.data.length > 0) sizes = Array.from(z.data);
  }
  if (!scales && !sizes) throw invalid(info, 'neither scales nor sizes are given');
  if (ctx.opset >= 18 && info.attrs.has('axes')) {
    // Scales / sizes for the listed axes only; the others keep their size.
    const axes = info.attrs.ints('axes').map((a) => (a < 0 ? a + 4 : a));
    const expand = (vals: number[], fill: (i: number) => number): number[] => full.map((_, i) => (axes.includes(i) ? vals[axes.indexOf(i)] : fill(i)));
    if (scales) scales = expand(scales, () => 1);
    if (sizes) sizes = expand(sizes, (i) => full[i]);
  }
  if (sizes && ctx.opset >= 18 && info.attrs.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch') throw unsupported(info, 'keep_aspect_ratio_policy other than stretch');
  const list = (sizes ?? scales)!;
  if (list.length !== 4) throw invalid(info, `${sizes ? 'sizes' : 'scales'} must have 4 entries, got ${list.length}`);
  const outSizes = sizes ?? full.map((d, i) => Math.floor(d * scales![i]));
  const axisScales = sizes ? full.map((d, i) => sizes![i] / d) : scales!;
  // The batch entry of sizes is whatever batch the exporter saw; only the channel axis must keep its size.
  if (outSizes[1] !== full[1] || (!sizes && axisScales[0] !== 1)) throw unsupported(info, 'resizing the batch or channel axis');
  outSizes[0] = full[0];
  if (outSizes.some((s) => !Number.isInteger(s) || s < 1) || axisScales.some((s) => !(s > 0))) throw invalid(info, `output size [${outSizes}] is not positive`);
  if (info.attrs.int('antialias', 0) !== 0 && (axisScales[2] < 1 || axisScales[3] < 1)) throw unsupported(info, 'antialiased downsampling');

  checkedSize([c, outSizes[2], outSizes[3]], `${info.where} output`, MAX_ACTIVATION_ELEMENTS);
  const axes = [2, 3].map((i) => ({ inSize: full[i], outSize: outSizes[i], scale: axisScales[i] }));
  let flags: Flags | null;
  let method: 'nearest' | 'bilinear';
  if (mode === 'nearest') {
    flags = nearestFlags(coordinate, rounding, axes);
    method = 'nearest';
  } else if (mode === 'linear' || mode === 'bilinear') {
    flags = linearFlags(coordinate, axes);
    method = 'bilinear';
  } else {
    throw unsupported(info, `mode "${mode}" (nearest and linear are supported)`);
  }
  if (!flags) throw unsupported(info, `${mode} sampling with coordinate_transformation_mode "${coordinate}"${mode === 'nearest' ? ` and nearest_mode "${rounding}"` : ''} at this scale`);
  if (outSizes[2] === h && outSizes[3] === w) return ctx.setRuntime(info.outputs[0], x.node, 4);
  const attrs = { size: [outSizes[2], outSizes[3]], method, ...flags };
  ctx.setRuntime(info.outputs[0], ctx.emit({ name: outputName(info, ctx), op: 'resize', inputs: [x.node], attrs }, 'internal'), 4);
}

export const RESIZE_CONVERTERS: Record<string, OpConverter> = {
  Resize: (info, ctx) => convertResizeLike(info, ctx, false),
  Upsample: (info, ctx) => convertResizeLike(info, ctx, true),
};
