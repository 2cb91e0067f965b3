import { checkedSize, MAX_FOLDED_ELEMENTS } from './limits';

/**
 * A tensor known at import time: an initializer, a Constant, or the result of folding shape arithmetic.
 * Floats are kept as float32 (what the executor uses); integers and booleans as exact doubles.
 */
export interface ConstTensor {
  dtype: 'float' | 'int' | 'bool';
  dims: number[];
  data: Float32Array | Float64Array;
}

export const constSize = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function makeConst(dtype: ConstTensor['dtype'], dims: number[], values: ArrayLike<number>): ConstTensor {
  const data = dtype === 'float' ? Float32Array.from(values) : Float64Array.from(values);
  return { dtype, dims, data };
}

export const intConst = (values: readonly number[], dims: number[] = [values.length]): ConstTensor => makeConst('int', dims, values);

/** Row-major strides of a shape. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** out[i...] = t[perm-permuted index]: numpy's transpose(t, perm). */
export function transposeConst(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const rank = t.dims.length;
  const outDims = perm.map((p) => t.dims[p]);
  const inStrides = stridesOf(t.dims);
  const stepOf = perm.map((p) => inStrides[p]);
  const n = constSize(outDims);
  const out = t.dtype === 'float' ? new Float32Array(n) : new Float64Array(n);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    out[i] = t.data[src];
    // Odometer increment over the output index, tracking the source offset incrementally.
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += stepOf[a];
      if (idx[a] < outDims[a]) break;
      src -= stepOf[a] * outDims[a];
      idx[a] = 0;
    }
  }
  return { dtype: t.dtype, dims: outDims, data: out };
}

/** Numpy broadcast of two shapes; null when they do not broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Index map from an output of shape `outDims` to a broadcast operand of shape `dims`. */
function broadcastIndex(dims: readonly number[], outDims: readonly number[]): (flat: number) => number {
  const rank = outDims.length;
  const padded = [...new Array<number>(rank - dims.length).fill(1), ...dims];
  const inStrides = stridesOf(padded);
  const outStrides = stridesOf(outDims);
  return (flat) => {
    let src = 0;
    for (let a = 0; a < rank; a++) {
      const coord = Math.floor(flat / outStrides[a]) % outDims[a];
      if (padded[a] !== 1) src += coord * inStrides[a];
    }
    return src;
  };
}

/** Elementwise op on any number of broadcast operands; null when the shapes do not broadcast. */
export function broadcastMap(
  operands: readonly ConstTensor[],
  dtype: ConstTensor['dtype'],
  fn: (...xs: number[]) => number,
): ConstTensor | null {
  let outDims: number[] | null = [];
  for (const o of operands) {
    outDims = broadcastDims(outDims, o.dims);
    if (!outDims) return null;
  }
  const n = checkedSize(outDims, 'a folded constant', MAX_FOLDED_ELEMENTS * 16);
  const index = operands.map((o) => broadcastIndex(o.dims, outDims!));
  const out = dtype === 'float' ? new Float32Array(n) : new Float64Array(n);
  const args = new Array<number>(operands.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < operands.length; k++) args[k] = operands[k].data[index[k](i)];
    out[i] = fn(...args);
  }
  return { dtype, dims: outDims, data: out };
}

/** Materialises `t` broadcast to `dims` (which must be a broadcast of t's shape). */
export function expandConst(t: ConstTensor, dims: readonly number[]): ConstTensor {
  // A zero-filled operand of the target shape fixes the output shape; the values come from t.
  const target: ConstTensor = { dtype: t.dtype, dims: [...dims], data: new Float64Array(constSize(dims)) };
  return broadcastMap([t, target], t.dtype, (x) => x)!;
}

export const constValues = (t: ConstTensor): number[] => Array.from(t.data);
