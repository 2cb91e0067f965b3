import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { shapeSize } from '../../ir/shapes';
import type { DecodedTensor } from '../weights';
import { NodeAttrs, type GraphNodeJson } from './graph-def';

/**
 * Compile-time tensors of a graph model: weights, and the shape arithmetic (Shape → StridedSlice → Pack → Reshape)
 * converters leave in graphs. Folding runs the same TF.js ops the graph would, so its semantics are TF.js's.
 */

export type ConstDtype = 'float32' | 'int32' | 'bool';

export interface ConstValue {
  shape: number[];
  dtype: ConstDtype;
  values: Float32Array | Int32Array | Uint8Array;
}

export const TF_DTYPES: Record<string, ConstDtype> = {
  DT_FLOAT: 'float32',
  DT_HALF: 'float32',
  DT_DOUBLE: 'float32',
  DT_INT32: 'int32',
  DT_INT64: 'int32',
  DT_INT16: 'int32',
  DT_INT8: 'int32',
  DT_UINT8: 'int32',
  DT_BOOL: 'bool',
};

export function constFromDecoded(t: DecodedTensor): ConstValue {
  if (t.dtype === 'string') throw new MicroscopeError('UNSUPPORTED', `constant "${t.name}" holds strings`);
  return { shape: t.shape, dtype: t.dtype, values: t.values };
}

/** A Const whose value is written inline in its attributes (small constants in hand-written or old graphs). */
export function constFromAttr(node: GraphNodeJson): ConstValue | undefined {
  const tensor = new NodeAttrs(node).tensor('value') as
    | { dtype?: string; tensorShape?: { dim?: { size?: string | number }[] }; floatVal?: number[]; intVal?: number[]; int64Val?: (string | number)[]; boolVal?: boolean[]; tensorContent?: string }
    | undefined;
  if (!tensor) return undefined;
  const dtype = TF_DTYPES[tensor.dtype ?? 'DT_FLOAT'];
  if (!dtype) throw new MicroscopeError('UNSUPPORTED', `constant "${node.name}" has dtype ${tensor.dtype}`);
  const shape = (tensor.tensorShape?.dim ?? []).map((d) => Number(d.size ?? 1));
  const size = shapeSize(shape);
  let raw: number[];
  if (tensor.tensorContent) {
    const bytes = Buffer.from(tensor.tensorContent, 'base64');
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    raw = Array.from(tensor.dtype === 'DT_INT64' ? new BigInt64Array(buf, 0, size) : dtype === 'float32' ? new Float32Array(buf, 0, size) : dtype === 'int32' ? new Int32Array(buf, 0, size) : new Uint8Array(buf, 0, size), Number);
  } else {
    const list = tensor.floatVal ?? tensor.intVal ?? tensor.int64Val?.map(Number) ?? tensor.boolVal?.map(Number) ?? [];
    // Protobuf writes a constant-filled tensor as its single value.
    raw = list.length === 1 && size > 1 ? new Array(size).fill(list[0]) : list;
  }
  if (raw.length !== size) throw new MicroscopeError('INVALID_MODEL', `constant "${node.name}" has ${raw.length} values for shape [${shape.join(', ')}]`);
  return { shape, dtype, values: dtype === 'float32' ? Float32Array.from(raw) : dtype === 'int32' ? Int32Array.from(raw) : Uint8Array.from(raw) };
}

export const toTensor = (c: ConstValue): tf.Tensor => tf.tensor(c.values, c.shape, c.dtype);

function fromTensor(t: tf.Tensor): ConstValue {
  const dtype = t.dtype === 'float32' || t.dtype === 'int32' || t.dtype === 'bool' ? t.dtype : undefined;
  if (!dtype) throw new Error(`cannot fold a ${t.dtype} tensor`);
  const data = t.dataSync();
  return { shape: [...t.shape], dtype, values: dtype === 'bool' ? Uint8Array.from(data) : (data as Float32Array | Int32Array) };
}

type Folder = (inputs: tf.Tensor[], attrs: NodeAttrs) => tf.Tensor | tf.Tensor[];

const binary = (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Folder => ([a, b]) => fn(a, b);
const axisList = (t: tf.Tensor): number[] => Array.from(t.dataSync());

const FOLDERS: Record<string, Folder> = {
  Identity: ([x]) => tf.clone(x),
  Snapshot: ([x]) => tf.clone(x),
  StopGradient: ([x]) => tf.clone(x),
  Cast: ([x], a) => tf.cast(x, TF_DTYPES[a.dtype('DstT')] ?? 'float32'),
  Add: binary(tf.add),
  AddV2: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  RealDiv: binary(tf.div),
  Div: binary(tf.div),
  FloorDiv: binary(tf.floorDiv),
  FloorMod: binary(tf.mod),
  Maximum: binary(tf.maximum),
  Minimum: binary(tf.minimum),
  Pow: binary(tf.pow),
  SquaredDifference: binary(tf.squaredDifference),
  Neg: ([x]) => tf.neg(x),
  Sqrt: ([x]) => tf.sqrt(x),
  Rsqrt: ([x]) => tf.rsqrt(x),
  Square: ([x]) => tf.square(x),
  Reciprocal: ([x]) => tf.reciprocal(x),
  Exp: ([x]) => tf.exp(x),
  Reshape: ([x, s]) => tf.reshape(x, axisList(s)),
  Squeeze: ([x], a) => tf.squeeze(x, a.ints('squeeze_dims', []).length ? a.ints('squeeze_dims') : undefined),
  ExpandDims: ([x, axis]) => tf.expandDims(x, axisList(axis)[0]),
  Transpose: ([x, perm]) => tf.transpose(x, axisList(perm)),
  Pack: (xs, a) => tf.stack(xs, a.int('axis', 0)),
  Unpack: ([x], a) => tf.unstack(x, a.int('axis', 0)),
  ConcatV2: (xs) => tf.concat(xs.slice(0, -1), axisList(xs[xs.length - 1])[0]),
  Concat: (xs) => tf.concat(xs.slice(1), axisList(xs[0])[0]),
  StridedSlice: ([x, begin, end, strides], a) =>
    tf.stridedSlice(
      x,
      axisList(begin),
      axisList(end),
      axisList(strides),
      a.int('begin_mask', 0),
      a.int('end_mask', 0),
      a.int('ellipsis_mask', 0),
      a.int('new_axis_mask', 0),
      a.int('shrink_axis_mask', 0),
    ),
  Slice: ([x, begin, size]) => tf.slice(x, axisList(begin), axisList(size)),
  GatherV2: ([x, indices, axis]) => tf.gather(x, indices, axisList(axis)[0]),
  Gather: ([x, indices]) => tf.gather(x, indices),
  Prod: ([x, axes], a) => tf.prod(x, axisList(axes), a.bool('keep_dims', false)),
  Sum: ([x, axes], a) => tf.sum(x, axisList(axes), a.bool('keep_dims', false)),
  Mean: ([x, axes], a) => tf.mean(x, axisList(axes), a.bool('keep_dims', false)),
  Max: ([x, axes], a) => tf.max(x, axisList(axes), a.bool('keep_dims', false)),
  Min: ([x, axes], a) => tf.min(x, axisList(axes), a.bool('keep_dims', false)),
  Range: ([start, limit, delta], a) =>
    tf.range(start.dataSync()[0], limit.dataSync()[0], delta.dataSync()[0], (TF_DTYPES[a.dtype('Tidx', 'DT_INT32')] ?? 'int32') as 'float32' | 'int32'),
  Fill: ([shape, value]) => tf.fill(axisList(shape), value.dataSync()[0], value.dtype as 'float32' | 'int32'),
  ZerosLike: ([x]) => tf.zerosLike(x),
  OnesLike: ([x]) => tf.onesLike(x),
  Tile: ([x, reps]) => tf.tile(x, axisList(reps)),
  Equal: binary(tf.equal),
  Less: binary(tf.less),
  Greater: binary(tf.greater),
  Select: ([c, a, b]) => tf.where(tf.cast(c, 'bool'), a, b),
  SelectV2: ([c, a, b]) => tf.where(tf.cast(c, 'bool'), a, b),
};

export const canFold = (op: string): boolean => op in FOLDERS;

/** Evaluates `node` on constant inputs; its outputs in order. */
export function foldNode(node: GraphNodeJson, inputs: ConstValue[]): ConstValue[] {
  const fold = FOLDERS[node.op];
  const attrs = new NodeAttrs(node);
  let results: tf.Tensor[] = [];
  try {
    results = tf.tidy(() => {
      const out = fold(inputs.map(toTensor), attrs);
      return Array.isArray(out) ? out : [out];
    });
    return results.map(fromTensor);
  } catch (e) {
    if (e instanceof MicroscopeError) throw e;
    throw new MicroscopeError('INVALID_MODEL', `node "${node.name}" (${node.op}) could not be evaluated on its constant inputs: ${(e as Error).message}`, { cause: e });
  } finally {
    tf.dispose(results);
  }
}
