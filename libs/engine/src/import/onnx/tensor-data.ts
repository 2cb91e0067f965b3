import { MicroscopeError } from '@microscope/contracts';
import { resolveModelPath, type ModelFiles } from '../model-files';
import type { ConstTensor } from './const-tensor';
import { checkedSize } from './limits';
import { int64s, onnx } from './proto';

/**
 * TensorProto → ConstTensor: typed fields or raw little-endian bytes, inline or in an external-data file read
 * through ModelFiles (so uploads, the blob store and folders behave the same).
 */

const DT = onnx.TensorProto.DataType;

const BYTES_PER_ELEMENT: Partial<Record<number, number>> = {
  [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.FLOAT16]: 2, [DT.BFLOAT16]: 2,
  [DT.INT64]: 8, [DT.UINT64]: 8, [DT.INT32]: 4, [DT.UINT32]: 4,
  [DT.INT16]: 2, [DT.UINT16]: 2, [DT.INT8]: 1, [DT.UINT8]: 1, [DT.BOOL]: 1,
};

const FLOAT_TYPES = new Set<number>([DT.FLOAT, DT.DOUBLE, DT.FLOAT16, DT.BFLOAT16]);

export const isFloatType = (t: number): boolean => FLOAT_TYPES.has(t);

function dataTypeName(t: number): string {
  return (DT as unknown as Record<number, string>)[t] ?? `#${t}`;
}

/** IEEE half → float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const bfloatBits = new Uint32Array(1);
const bfloatValue = new Float32Array(bfloatBits.buffer);
/** bfloat16 is the top half of a float32. */
function bfloat16ToFloat(b: number): number {
  bfloatBits[0] = (b & 0xffff) << 16;
  return bfloatValue[0];
}

/** Reads external data lazily, once per file. */
export class ExternalData {
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly files: ModelFiles, private readonly modelFileName: string) {}

  async read(tensorName: string, entries: onnx.IStringStringEntryProto[]): Promise<Uint8Array> {
    const kv = new Map(entries.map((e) => [e.key ?? '', e.value ?? '']));
    const location = kv.get('location');
    if (!location) throw new MicroscopeError('INVALID_MODEL', `initializer "${tensorName}" is stored externally but names no location`);
    const name = resolveModelPath(this.modelFileName, location);
    let pending = this.cache.get(name);
    if (!pending) {
      pending = this.files.readBinary(name);
      this.cache.set(name, pending);
    }
    let bytes: Uint8Array;
    try {
      bytes = await pending;
    } catch (e) {
      if (e instanceof MicroscopeError && e.code === 'NOT_FOUND') {
        throw new MicroscopeError('INVALID_MODEL', `the external data file "${name}" for initializer "${tensorName}" is missing: upload it with the model`, { cause: e });
      }
      throw e;
    }
    const offset = Number(kv.get('offset') ?? 0);
    const length = kv.has('length') ? Number(kv.get('length')) : bytes.byteLength - offset;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bytes.byteLength) {
      throw new MicroscopeError('INVALID_MODEL', `initializer "${tensorName}" points at bytes ${offset}..${offset + length} of "${name}", which has ${bytes.byteLength}`);
    }
    return bytes.subarray(offset, offset + length);
  }
}

function fromRaw(raw: Uint8Array, dataType: number, n: number, name: string): Float32Array | Float64Array {
  const width = BYTES_PER_ELEMENT[dataType]!;
  if (raw.byteLength !== n * width) {
    throw new MicroscopeError('INVALID_MODEL', `initializer "${name}" has ${raw.byteLength} bytes of data, its shape needs ${n * width}`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = isFloatType(dataType) ? new Float32Array(n) : new Float64Array(n);
  switch (dataType) {
    case DT.FLOAT:
      // Copy into an aligned buffer and view it (ONNX raw data is little-endian, like every host tfjs runs on).
      // Not raw.slice(): on a Node Buffer that is a view of the whole pooled buffer, not a copy.
      new Uint8Array(out.buffer).set(raw);
      break;
    case DT.DOUBLE: for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true); break;
    case DT.FLOAT16: for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
    case DT.BFLOAT16: for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(view.getUint16(i * 2, true)); break;
    case DT.INT64: for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true)); break;
    case DT.UINT64: for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(i * 8, true)); break;
    case DT.INT32: for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true); break;
    case DT.UINT32: for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true); break;
    case DT.INT16: for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true); break;
    case DT.UINT16: for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, true); break;
    case DT.INT8: for (let i = 0; i < n; i++) out[i] = view.getInt8(i); break;
    case DT.UINT8: case DT.BOOL: for (let i = 0; i < n; i++) out[i] = view.getUint8(i); break;
  }
  return out;
}

/** The typed repeated field ONNX uses for a data type when raw_data is absent. */
function fromFields(t: onnx.ITensorProto, dataType: number, n: number, name: string): Float32Array | Float64Array {
  let values: ArrayLike<number>;
  switch (dataType) {
    case DT.FLOAT: values = t.floatData ?? []; break;
    case DT.DOUBLE: values = t.doubleData ?? []; break;
    case DT.INT64: values = int64s(t.int64Data); break;
    case DT.UINT64: case DT.UINT32: values = int64s(t.uint64Data); break;
    case DT.FLOAT16: values = (t.int32Data ?? []).map(halfToFloat); break;
    case DT.BFLOAT16: values = (t.int32Data ?? []).map(bfloat16ToFloat); break;
    default: values = t.int32Data ?? []; // int32, int16, int8, uint16, uint8, bool
  }
  if (values.length !== n) {
    throw new MicroscopeError('INVALID_MODEL', `initializer "${name}" has ${values.length} values, its shape [${int64s(t.dims).join(', ')}] needs ${n}`);
  }
  return isFloatType(dataType) ? Float32Array.from(values) : Float64Array.from(values);
}

interface TensorHeader {
  name: string;
  dims: number[];
  n: number;
  dataType: number;
  dtype: ConstTensor['dtype'];
}

function header(t: onnx.ITensorProto, fallbackName: string): TensorHeader {
  const name = t.name || fallbackName;
  const dims = int64s(t.dims);
  const n = checkedSize(dims, `tensor "${name}"`);
  const dataType = t.dataType ?? 0;
  if (BYTES_PER_ELEMENT[dataType] === undefined) {
    throw new MicroscopeError('UNSUPPORTED', `tensor "${name}" has data type ${dataTypeName(dataType)}; only numeric tensors are supported`);
  }
  const dtype: ConstTensor['dtype'] = isFloatType(dataType) ? 'float' : dataType === DT.BOOL ? 'bool' : 'int';
  return { name, dims, n, dataType, dtype };
}

function decodeWith(t: onnx.ITensorProto, h: TensorHeader, raw: Uint8Array | null): ConstTensor {
  const data = raw ? fromRaw(raw, h.dataType, h.n, h.name) : fromFields(t, h.dataType, h.n, h.name);
  return { dtype: h.dtype, dims: h.dims, data };
}

const isExternal = (t: onnx.ITensorProto): boolean => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
const inlineRaw = (t: onnx.ITensorProto): Uint8Array | null => (t.rawData && t.rawData.byteLength > 0 ? t.rawData : null);

/** Decodes an initializer, reading its external-data file when it has one. */
export async function decodeTensor(t: onnx.ITensorProto, external: ExternalData, fallbackName: string): Promise<ConstTensor> {
  const h = header(t, fallbackName);
  const raw = isExternal(t) ? await external.read(h.name, t.externalData ?? []) : inlineRaw(t);
  return decodeWith(t, h, raw);
}

/** Decodes a tensor that must be inline (Constant values and other attributes). */
export function decodeInlineTensor(t: onnx.ITensorProto, fallbackName: string): ConstTensor {
  const h = header(t, fallbackName);
  if (isExternal(t)) throw new MicroscopeError('UNSUPPORTED', `tensor "${h.name}" in an attribute is stored externally`);
  return decodeWith(t, h, inlineRaw(t));
}
