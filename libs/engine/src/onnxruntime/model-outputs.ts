import { onnx } from 'onnx-proto';

/**
 * A copy of an ONNX model that onnxruntime can load from memory and that returns the given intermediate values:
 * each becomes a graph output, and externally stored initializers are inlined (onnxruntime-node resolves external
 * files only next to a model on disk).
 */
export function modelWithOutputs(model: onnx.IModelProto, values: readonly string[], externalData: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const graph = model.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const extraOutputs: onnx.IValueInfoProto[] = values
    .filter((v) => !existing.has(v))
    .map((name) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  const initializer = (graph.initializer ?? []).map((t) => {
    const bytes = t.name ? externalData.get(t.name) : undefined;
    if (!bytes) return t;
    return { ...t, rawData: bytes, externalData: [], dataLocation: onnx.TensorProto.DataLocation.DEFAULT };
  });
  const copy: onnx.IModelProto = {
    ...model,
    graph: { ...graph, initializer, output: [...(graph.output ?? []), ...extraOutputs] },
  };
  return onnx.ModelProto.encode(copy).finish();
}
