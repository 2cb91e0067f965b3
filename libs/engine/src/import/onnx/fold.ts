import { MicroscopeError } from '@microscope/contracts';
import type { NodeAttributes } from './attributes';
import { broadcastMap, constSize, expandConst, intConst, makeConst, transposeConst, type ConstTensor } from './const-tensor';
import { normalizeAxis } from './layout';
import { checkedSize, MAX_FOLDED_ELEMENTS } from './limits';
import { onnx } from './proto';

/**
 * Evaluates nodes whose inputs are all known at import: the shape arithmetic exporters emit around Reshape
 * (Shape → Gather → Unsqueeze → Concat), Constant / ConstantOfShape, and arithmetic on weights.
 */

export interface FoldArgs {
  inputs: (ConstTensor | undefined)[];
  attrs: NodeAttributes;
  opset: number;
  where: string;
  outputCount: number;
}

type Folder = (a: FoldArgs) => ConstTensor[];

const fail = (a: FoldArgs, message: string): MicroscopeError => new MicroscopeError('INVALID_MODEL', `${a.where}: ${message}`);

function need(a: FoldArgs, i: number): ConstTensor {
  const t = a.inputs[i];
  if (!t) throw fail(a, `input ${i} is missing`);
  return t;
}

/** Axes from the attribute (older opsets) or the given input (newer ones). */
function axesOf(a: FoldArgs, inputIndex: number, fromOpset: number): number[] | undefined {
  if (a.opset >= fromOpset) {
    const t = a.inputs[inputIndex];
    return t ? Array.from(t.data) : undefined;
  }
  return a.attrs.has('axes') ? a.attrs.ints('axes') : undefined;
}

function normAxes(a: FoldArgs, axes: number[], rank: number): number[] {
  return axes.map((x) => {
    const n = normalizeAxis(x, rank);
    if (n === null) throw fail(a, `axis ${x} is out of range for rank ${rank}`);
    return n;
  });
}

const reshaped = (t: ConstTensor, dims: number[]): ConstTensor => ({ ...t, dims });

function elementwise(dtypeOf: (ts: ConstTensor[]) => ConstTensor['dtype'], fn: (...xs: number[]) => number): Folder {
  return (a) => {
    const ts = a.inputs.filter((t): t is ConstTensor => !!t);
    const out = broadcastMap(ts, dtypeOf(ts), fn);
    if (!out) throw fail(a, `operand shapes ${ts.map((t) => `[${t.dims}]`).join(', ')} do not broadcast`);
    return [out];
  };
}

const sameType = (ts: ConstTensor[]): ConstTensor['dtype'] => (ts.some((t) => t.dtype === 'float') ? 'float' : ts[0].dtype);
const boolType = (): ConstTensor['dtype'] => 'bool';
const intDiv = (x: number, y: number): number => Math.trunc(x / y);

function castTo(t: ConstTensor, to: number): ConstTensor {
  const DT = onnx.TensorProto.DataType;
  if (to === DT.FLOAT || to === DT.DOUBLE || to === DT.FLOAT16 || to === DT.BFLOAT16) return makeConst('float', t.dims, t.data);
  if (to === DT.BOOL) return makeConst('bool', t.dims, Array.from(t.data, (v) => (v !== 0 ? 1 : 0)));
  return makeConst('int', t.dims, Array.from(t.data, Math.trunc));
}

function gather(a: FoldArgs): ConstTensor {
  const data = need(a, 0);
  const indices = need(a, 1);
  const axis = normalizeAxis(a.attrs.int('axis', 0), data.dims.length);
  if (axis === null) throw fail(a, 'axis is out of range');
  const outer = constSize(data.dims.slice(0, axis));
  const inner = constSize(data.dims.slice(axis + 1));
  const n = data.dims[axis];
  const outDims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  const size = checkedSize(outDims, `${a.where} output`);
  const out = data.dtype === 'float' ? new Float32Array(size) : new Float64Array(size);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const rawIndex of indices.data) {
      const idx = rawIndex < 0 ? rawIndex + n : rawIndex;
      if (!Number.isInteger(idx) || idx < 0 || idx >= n) throw fail(a, `index ${rawIndex} is out of range for a dimension of ${n}`);
      for (let i = 0; i < inner; i++) out[k++] = data.data[(o * n + idx) * inner + i];
    }
  }
  return { dtype: data.dtype, dims: outDims, data: out };
}

function concat(a: FoldArgs): ConstTensor {
  const ts = a.inputs.filter((t): t is ConstTensor => !!t);
  if (ts.length === 0) throw fail(a, 'no inputs');
  const rank = ts[0].dims.length;
  const axis = normalizeAxis(a.attrs.int('axis'), rank);
  if (axis === null) throw fail(a, 'axis is out of range');
  for (const t of ts) {
    if (t.dims.length !== rank || t.dims.some((d, i) => i !== axis && d !== ts[0].dims[i])) throw fail(a, 'inputs differ off the concatenation axis');
  }
  const outDims = [...ts[0].dims];
  outDims[axis] = ts.reduce((s, t) => s + t.dims[axis], 0);
  const size = checkedSize(outDims, `${a.where} output`);
  const outer = constSize(ts[0].dims.slice(0, axis));
  const dtype = sameType(ts);
  const out = dtype === 'float' ? new Float32Array(size) : new Float64Array(size);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of ts) {
      const chunk = constSize(t.dims.slice(axis));
      out.set(t.data.subarray(o * chunk, (o + 1) * chunk), k);
      k += chunk;
    }
  }
  return { dtype, dims: outDims, data: out };
}

/** ONNX Slice index clamping for one axis; returns [start, end) with positive step. */
export function clampSlice(start: number, end: number, dim: number): [number, number] {
  const norm = (v: number): number => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
  return [norm(start), norm(end)];
}

/** Slice arguments from attributes (opset < 10) or inputs. */
export function sliceArgs(a: Pick<FoldArgs, 'inputs' | 'attrs' | 'opset'>, rank: number): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } {
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (a.opset < 10) {
    starts = a.attrs.ints('starts');
    ends = a.attrs.ints('ends');
    axes = a.attrs.has('axes') ? a.attrs.ints('axes') : undefined;
  } else {
    starts = Array.from(a.inputs[1]?.data ?? []);
    ends = Array.from(a.inputs[2]?.data ?? []);
    axes = a.inputs[3] ? Array.from(a.inputs[3].data) : undefined;
    steps = a.inputs[4] ? Array.from(a.inputs[4].data) : undefined;
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new MicroscopeError('INVALID_MODEL', 'Slice starts, ends, axes and steps differ in length');
  }
  axes = axes.map((x) => {
    const n = normalizeAxis(x, rank);
    if (n === null) throw new MicroscopeError('INVALID_MODEL', `Slice axis ${x} is out of range for rank ${rank}`);
    return n;
  });
  return { starts, ends, axes, steps };
}

function slice(a: FoldArgs): ConstTensor {
  const data = need(a, 0);
  const { starts, ends, axes, steps } = sliceArgs(a, data.dims.length);
  // Per axis: the list of source indices it keeps.
  const picks = data.dims.map((d) => [...Array(d).keys()]);
  axes.forEach((axis, i) => {
    const dim = data.dims[axis];
    const step = steps[i];
    if (!Number.isInteger(step) || step === 0) throw fail(a, 'a slice step must be a non-zero integer');
    const idx: number[] = [];
    if (step > 0) {
      const [s, e] = clampSlice(starts[i], ends[i], dim);
      for (let k = s; k < e; k += step) idx.push(k);
    } else {
      const norm = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
      const s = norm(starts[i], 0, dim - 1);
      const e = norm(ends[i], -1, dim - 1);
      for (let k = s; k > e; k += step) idx.push(k);
    }
    picks[axis] = idx;
  });
  return pick(a, data, picks);
}

/** Gathers the cartesian product of per-axis index lists. */
function pick(a: FoldArgs, data: ConstTensor, picks: number[][]): ConstTensor {
  const outDims = picks.map((p) => p.length);
  const size = checkedSize(outDims, `${a.where} output`);
  const out = data.dtype === 'float' ? new Float32Array(size) : new Float64Array(size);
  const strides = data.dims.map((_, i) => constSize(data.dims.slice(i + 1)));
  const walk = (axis: number, offset: number, k: { i: number }): void => {
    if (axis === data.dims.length) {
      out[k.i++] = data.data[offset];
      return;
    }
    for (const p of picks[axis]) walk(axis + 1, offset + p * strides[axis], k);
  };
  if (size > 0) walk(0, 0, { i: 0 });
  return { dtype: data.dtype, dims: outDims, data: out };
}

/** Reshape target with ONNX's 0 (copy) and -1 (infer) resolved. */
export function resolveReshape(inputDims: readonly number[], target: readonly number[], allowZero: boolean, where: string): number[] {
  const total = constSize(inputDims);
  const out = target.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= inputDims.length) throw new MicroscopeError('INVALID_MODEL', `${where}: reshape dimension ${i} copies a dimension the input lacks`);
      return inputDims[i];
    }
    return d;
  });
  const inferred = out.filter((d) => d === -1).length;
  if (inferred > 1 || out.some((d) => !Number.isInteger(d) || d < -1)) throw new MicroscopeError('INVALID_MODEL', `${where}: invalid reshape target [${target}]`);
  const known = out.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  if (inferred === 1) {
    if (known === 0 || total % known !== 0) throw new MicroscopeError('INVALID_MODEL', `${where}: cannot reshape [${inputDims}] to [${target}]`);
    out[out.indexOf(-1)] = total / known;
  } else if (known !== total) {
    throw new MicroscopeError('INVALID_MODEL', `${where}: cannot reshape [${inputDims}] (${total} values) to [${target}]`);
  }
  return out;
}

function range(a: FoldArgs): ConstTensor {
  const [start, limit, delta] = [0, 1, 2].map((i) => need(a, i).data[0]);
  if (delta === 0) throw fail(a, 'Range delta is 0');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  checkedSize([n], `${a.where} output`, MAX_FOLDED_ELEMENTS);
  const dtype = need(a, 0).dtype;
  return makeConst(dtype, [n], Array.from({ length: n }, (_, i) => start + i * delta));
}

function constantValue(a: FoldArgs): ConstTensor {
  const t = a.attrs.tensor('value');
  if (t) return t;
  if (a.attrs.has('value_float')) return makeConst('float', [], [a.attrs.float('value_float')]);
  if (a.attrs.has('value_floats')) return makeConst('float', [a.attrs.floats('value_floats').length], a.attrs.floats('value_floats'));
  if (a.attrs.has('value_int')) return intConst([a.attrs.int('value_int')], []);
  if (a.attrs.has('value_ints')) return intConst(a.attrs.ints('value_ints'));
  throw new MicroscopeError('UNSUPPORTED', `${a.where}: a Constant without a numeric value (sparse or string constants are not supported)`);
}

function squeeze(a: FoldArgs): ConstTensor {
  const data = need(a, 0);
  const axes = axesOf(a, 1, 13);
  const drop = axes ? normAxes(a, axes, data.dims.length) : data.dims.flatMap((d, i) => (d === 1 ? [i] : []));
  if (drop.some((i) => data.dims[i] !== 1)) throw fail(a, `cannot squeeze axes [${drop}] of [${data.dims}]`);
  return reshaped(data, data.dims.filter((_, i) => !drop.includes(i)));
}

function unsqueeze(a: FoldArgs): ConstTensor {
  const data = need(a, 0);
  const axes = axesOf(a, 1, 13);
  if (!axes) throw fail(a, 'Unsqueeze needs axes');
  const rank = data.dims.length + axes.length;
  const at = normAxes(a, axes, rank);
  const dims: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) dims.push(at.includes(i) ? 1 : data.dims[k++]);
  return reshaped(data, dims);
}

export const FOLDERS: Record<string, Folder> = {
  Constant: (a) => [constantValue(a)],
  ConstantOfShape: (a) => {
    const dims = Array.from(need(a, 0).data);
    checkedSize(dims, `${a.where} output`, MAX_FOLDED_ELEMENTS);
    const value = a.attrs.tensor('value') ?? makeConst('float', [1], [0]);
    return [expandConst({ ...value, dims: [] }, dims)];
  },
  Identity: (a) => [need(a, 0)],
  Dropout: (a) => [need(a, 0)],
  Cast: (a) => [castTo(need(a, 0), a.attrs.int('to'))],
  Shape: (a) => {
    const dims = need(a, 0).dims;
    const clampIndex = (v: number): number => Math.min(Math.max(v < 0 ? v + dims.length : v, 0), dims.length);
    return [intConst(dims.slice(clampIndex(a.attrs.int('start', 0)), clampIndex(a.attrs.int('end', dims.length))))];
  },
  Size: (a) => [intConst([constSize(need(a, 0).dims)], [])],
  Gather: (a) => [gather(a)],
  Unsqueeze: (a) => [unsqueeze(a)],
  Squeeze: (a) => [squeeze(a)],
  Concat: (a) => [concat(a)],
  Slice: (a) => [slice(a)],
  Reshape: (a) => {
    const data = need(a, 0);
    return [reshaped(data, resolveReshape(data.dims, Array.from(need(a, 1).data), a.attrs.int('allowzero', 0) === 1, a.where))];
  },
  Flatten: (a) => {
    const data = need(a, 0);
    const axis = normalizeAxis(a.attrs.int('axis', 1), data.dims.length + 1);
    if (axis === null) throw fail(a, 'axis is out of range');
    return [reshaped(data, [constSize(data.dims.slice(0, axis)), constSize(data.dims.slice(axis))])];
  },
  Transpose: (a) => {
    const data = need(a, 0);
    const perm = a.attrs.ints('perm', [...data.dims.keys()].reverse());
    if (perm.length !== data.dims.length || [...perm].sort((x, y) => x - y).some((p, i) => p !== i)) throw fail(a, `perm [${perm}] is not a permutation`);
    return [transposeConst(data, perm)];
  },
  Range: (a) => [range(a)],
  Add: elementwise(sameType, (x, y) => x + y),
  Sub: elementwise(sameType, (x, y) => x - y),
  Mul: elementwise(sameType, (x, y) => x * y),
  Div: (a) => elementwise(sameType, sameType(a.inputs.filter((t): t is ConstTensor => !!t)) === 'float' ? (x, y) => x / y : intDiv)(a),
  Max: elementwise(sameType, Math.max),
  Min: elementwise(sameType, Math.min),
  Neg: elementwise(sameType, (x) => -x),
  Abs: elementwise(sameType, Math.abs),
  Floor: elementwise(sameType, Math.floor),
  Ceil: elementwise(sameType, Math.ceil),
  Sqrt: elementwise(sameType, Math.sqrt),
  Reciprocal: elementwise(sameType, (x) => 1 / x),
  Equal: elementwise(boolType, (x, y) => (x === y ? 1 : 0)),
  Less: elementwise(boolType, (x, y) => (x < y ? 1 : 0)),
  Greater: elementwise(boolType, (x, y) => (x > y ? 1 : 0)),
  Not: elementwise(boolType, (x) => (x ? 0 : 1)),
  Where: (a) => {
    const [c, x, y] = [need(a, 0), need(a, 1), need(a, 2)];
    const out = broadcastMap([c, x, y], sameType([x, y]), (ci, xi, yi) => (ci ? xi : yi));
    if (!out) throw fail(a, 'operands do not broadcast');
    return [out];
  },
};
