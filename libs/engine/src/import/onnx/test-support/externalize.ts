import { onnx } from 'onnx-proto';

/**
 * Moves the larger float initializers of a model into one external-data file, as onnx.save_model(...,
 * save_as_external_data=True) does: location / offset / length entries and data_location EXTERNAL.
 */
export function externalizeInitializers(bytes: Uint8Array, fileName: string, minBytes = 64): { model: Uint8Array; data: Uint8Array } {
  const model = onnx.ModelProto.decode(bytes);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of model.graph!.initializer!) {
    const raw = t.rawData;
    if (!raw || raw.byteLength < minBytes) continue;
    // Align each tensor to 16 bytes like onnx does (not required, but keeps offsets honest).
    const pad = (16 - (offset % 16)) % 16;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(new Uint8Array(raw));
    t.externalData = [
      { key: 'location', value: fileName },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.byteLength) },
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array(0);
    offset += raw.byteLength;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { model: new Uint8Array(onnx.ModelProto.encode(model).finish()), data };
}
