import { MicroscopeError } from '@microscope/contracts';
import { formatShape, shapeSize } from '../ir/shapes';
import type { WeightEntry, WeightGroup } from './model-json';
import { resolveModelPath, type ModelFiles } from './model-files';

/**
 * Decodes a TF.js weights manifest: each group's shard files are concatenated and its weights read one after
 * another, float32 / int32 / bool / string as stored, uint8 / uint16 affine-quantized (q * scale + min) and
 * float16 expanded to float32.
 */

export type DecodedTensor =
  | { name: string; shape: number[]; dtype: 'float32'; values: Float32Array }
  | { name: string; shape: number[]; dtype: 'int32'; values: Int32Array }
  | { name: string; shape: number[]; dtype: 'bool'; values: Uint8Array }
  | { name: string; shape: number[]; dtype: 'string'; values: string[] };

const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

const invalid = (message: string): MicroscopeError => new MicroscopeError('INVALID_MODEL', message);

export async function loadWeights(manifest: WeightGroup[], files: ModelFiles, modelJsonName = 'model.json'): Promise<Map<string, DecodedTensor>> {
  const out = new Map<string, DecodedTensor>();
  for (const [groupIndex, group] of manifest.entries()) {
    const buffer = await readGroup(group, files, modelJsonName);
    let offset = 0;
    for (const entry of group.weights) {
      const { tensor, bytes } = decodeWeight(entry, buffer, offset, group, groupIndex);
      offset += bytes;
      if (out.has(entry.name)) throw invalid(`the weights manifest lists "${entry.name}" twice`);
      out.set(entry.name, tensor);
    }
  }
  return out;
}

async function readGroup(group: WeightGroup, files: ModelFiles, modelJsonName: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const p of group.paths) {
    const name = resolveModelPath(modelJsonName, p);
    try {
      parts.push(await files.readBinary(name));
    } catch (e) {
      if (e instanceof MicroscopeError && e.code === 'NOT_FOUND') {
        throw invalid(`the weight shard "${name}" listed in the weights manifest is missing`);
      }
      throw e;
    }
  }
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.byteLength;
  }
  return joined;
}

function decodeWeight(
  entry: WeightEntry,
  buffer: Uint8Array,
  offset: number,
  group: WeightGroup,
  groupIndex: number,
): { tensor: DecodedTensor; bytes: number } {
  const { name, shape, dtype } = entry;
  const size = shapeSize(shape);
  const truncated = (needed: number): MicroscopeError =>
    invalid(
      `weight "${name}" ${formatShape(shape)} needs bytes ${offset}..${offset + needed} of weight group ${groupIndex} ` +
        `(${group.paths.join(', ')}), but its shards hold only ${buffer.byteLength} bytes: a shard is truncated`,
    );

  if (dtype === 'string') return decodeStrings(entry, buffer, offset, truncated);
  if (!(dtype in STORED_BYTES) || dtype === 'uint8' || dtype === 'uint16' || dtype === 'float16') {
    throw invalid(`weight "${name}" has the unknown dtype "${dtype}"`);
  }
  const q = entry.quantization;
  const storedAs = q ? q.dtype : dtype;
  const width = STORED_BYTES[storedAs];
  if (q && (width === undefined || !['uint8', 'uint16', 'float16'].includes(storedAs))) {
    throw invalid(`weight "${name}" has the unknown quantization dtype "${q.dtype}"`);
  }
  const bytes = size * width;
  if (offset + bytes > buffer.byteLength) throw truncated(bytes);
  // Copy so typed arrays are aligned and independent of the shard buffer. Uint8Array's slice, not the argument's
  // own: a Node Buffer's slice is a view into a shared pool, whose .buffer would be the whole pool.
  const raw = Uint8Array.prototype.slice.call(buffer, offset, offset + bytes).buffer;

  let floats: Float32Array | undefined;
  if (q) {
    if (storedAs === 'float16') {
      floats = float16ToFloat32(new Uint16Array(raw));
    } else {
      if (q.scale === undefined || q.min === undefined) throw invalid(`quantized weight "${name}" lacks scale or min`);
      const quantized = storedAs === 'uint8' ? new Uint8Array(raw) : new Uint16Array(raw);
      const { scale, min } = q;
      floats = Float32Array.from(quantized, (v) => v * scale + min);
    }
  }

  switch (dtype) {
    case 'float32':
      return { tensor: { name, shape, dtype, values: floats ?? new Float32Array(raw) }, bytes };
    case 'int32':
      return { tensor: { name, shape, dtype, values: floats ? Int32Array.from(floats, Math.round) : new Int32Array(raw) }, bytes };
    case 'bool':
      if (q) throw invalid(`weight "${name}" is a quantized bool, which TF.js does not write`);
      return { tensor: { name, shape, dtype, values: new Uint8Array(raw) }, bytes };
    default:
      throw invalid(`weight "${name}" has the unknown dtype "${dtype}"`);
  }
}

/** Strings are stored as a little-endian uint32 byte length followed by UTF-8 bytes, one after another. */
function decodeStrings(
  entry: WeightEntry,
  buffer: Uint8Array,
  offset: number,
  truncated: (needed: number) => MicroscopeError,
): { tensor: DecodedTensor; bytes: number } {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const values: string[] = [];
  let at = offset;
  for (let i = 0; i < shapeSize(entry.shape); i++) {
    if (at + 4 > buffer.byteLength) throw truncated(at + 4 - offset);
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > buffer.byteLength) throw truncated(at + length - offset);
    values.push(Buffer.from(buffer.subarray(at, at + length)).toString('utf8'));
    at += length;
  }
  return { tensor: { name: entry.name, shape: entry.shape, dtype: 'string', values }, bytes: at - offset };
}

/** IEEE 754 half precision to single precision, including subnormals, infinities and NaN. */
export function float16ToFloat32(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 0x1f) out[i] = fraction ? NaN : sign * Infinity;
    else out[i] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}

/** The float32 values of a decoded weight, for layers that only take floats. */
export function floatValues(t: DecodedTensor): Float32Array {
  if (t.dtype === 'float32') return t.values;
  if (t.dtype === 'int32' || t.dtype === 'bool') return Float32Array.from(t.values);
  throw new MicroscopeError('INVALID_MODEL', `weight "${t.name}" holds strings where numbers are needed`);
}
