import { MicroscopeError } from '@microscope/contracts';
import { onnx } from 'onnx-proto';

/**
 * Decoding the ONNX protobuf with the maintained `onnx-proto` package (protobufjs static code), and the small
 * conversions every reader of its messages needs: int64 fields arrive as Long objects, strings as bytes.
 */

export { onnx };

/** An int64 field as protobufjs hands it over: a number, or a Long when long.js is installed. */
export type Int64 = number | { toNumber(): number } | null | undefined;

/** int64 → number. Values past 2^53 lose precision, which only matters for INT64_MAX-style sentinels (still huge). */
export function int64(v: Int64): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export const int64s = (vs: readonly Int64[] | null | undefined): number[] => (vs ?? []).map(int64);

export function utf8(bytes: Uint8Array | null | undefined): string {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : '';
}

/**
 * Bytes → ModelProto. protobufjs throws plain errors (index out of range, invalid wire type) on truncated or
 * corrupt input; they become INVALID_MODEL with the file name.
 */
export function decodeModel(bytes: Uint8Array, fileName: string): onnx.ModelProto {
  if (bytes.byteLength === 0) throw new MicroscopeError('INVALID_MODEL', `${fileName} is empty`);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new MicroscopeError('INVALID_MODEL', `${fileName} is not a valid ONNX file (truncated or corrupt protobuf: ${(e as Error).message})`, { cause: e });
  }
  if (!model.graph) throw new MicroscopeError('INVALID_MODEL', `${fileName} holds no graph; is it an ONNX model?`);
  return model;
}

/** The default-domain ("" / "ai.onnx") opset the model was exported with. */
export function defaultOpset(model: onnx.ModelProto, fileName: string): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  // IR version 2 models could omit the import; they are far older than anything supported here anyway.
  if (!entry) throw new MicroscopeError('INVALID_MODEL', `${fileName} declares no ONNX opset (opset_import)`);
  return int64(entry.version);
}
