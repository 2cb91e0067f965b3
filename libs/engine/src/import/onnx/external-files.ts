import { resolveModelPath } from '../model-files';
import { decodeModel, onnx } from './proto';

/**
 * The external-data files an ONNX file's initializers point at, as paths relative to the folder holding it, so an
 * uploader given one .onnx file can send the files it needs beside it.
 */
export function onnxExternalDataFiles(bytes: Uint8Array, fileName = 'model.onnx'): string[] {
  const graph = decodeModel(bytes, fileName).graph!;
  const locations = new Set<string>();
  for (const t of graph.initializer ?? []) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const location = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (location) locations.add(resolveModelPath(fileName, location));
  }
  return [...locations].sort();
}
