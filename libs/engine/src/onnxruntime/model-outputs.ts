import { onnx } from 'onnx-proto';

/**
 * Copies of an ONNX model for onnxruntime: intermediate values become graph outputs (or their per-channel
 * summaries do), and externally stored initializers are inlined (onnxruntime-node resolves external files only
 * next to a model on disk).
 */

function inlineExternal(graph: onnx.IGraphProto, externalData: ReadonlyMap<string, Uint8Array>): onnx.ITensorProto[] {
  return (graph.initializer ?? []).map((t) => {
    const bytes = t.name ? externalData.get(t.name) : undefined;
    if (!bytes) return t;
    return { ...t, rawData: bytes, externalData: [], dataLocation: onnx.TensorProto.DataLocation.DEFAULT };
  });
}

const floatOutput = (name: string): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });

function encode(model: onnx.IModelProto, graph: onnx.IGraphProto): Uint8Array {
  return new Uint8Array(onnx.ModelProto.encode({ ...model, graph }).finish());
}

/** The model with `values` added to its outputs. */
export function modelWithOutputs(model: onnx.IModelProto, values: readonly string[], externalData: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const graph = model.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const extra = values.filter((v) => !existing.has(v)).map(floatOutput);
  return encode(model, { ...graph, initializer: inlineExternal(graph, externalData), output: [...(graph.output ?? []), ...extra] });
}

/** Output names of one value's per-channel summaries. */
export interface PooledOutputNames {
  mean: string;
  max: string;
  /** int64 index of the first maximum in the flattened H × W plane. */
  argmax: string;
}

/**
 * The model with, for each rank-4 value in `values`, its per-channel mean (GlobalAveragePool), max (GlobalMaxPool) and first
 * argmax (ArgMax over the flattened plane) as outputs, computed by onnxruntime's threads: what extraction needs,
 * a few numbers per channel instead of whole activation maps crossing into JavaScript.
 */
export function modelWithPooledOutputs(
  model: onnx.IModelProto,
  values: readonly string[],
  /** Values returned whole (small ones, such as [N, C] vectors). */
  whole: readonly string[],
  externalData: ReadonlyMap<string, Uint8Array>,
): { bytes: Uint8Array; names: Map<string, PooledOutputNames> } {
  const graph = model.graph!;
  const prefix = '__microscope_pool';
  const shapeName = `${prefix}/flat_shape`;
  const nodes: onnx.INodeProto[] = [];
  const outputs: onnx.IValueInfoProto[] = [];
  const names = new Map<string, PooledOutputNames>();
  values.forEach((value, i) => {
    const n: PooledOutputNames = { mean: `${prefix}/${i}/mean`, max: `${prefix}/${i}/max`, argmax: `${prefix}/${i}/argmax` };
    const flat = `${prefix}/${i}/flat`;
    nodes.push(
      { name: n.mean, opType: 'GlobalAveragePool', input: [value], output: [n.mean] },
      { name: n.max, opType: 'GlobalMaxPool', input: [value], output: [n.max] },
      { name: flat, opType: 'Reshape', input: [value, shapeName], output: [flat] },
      {
        name: n.argmax,
        opType: 'ArgMax',
        input: [flat],
        output: [n.argmax],
        attribute: [
          { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 2 },
          { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
        ],
      },
    );
    outputs.push(floatOutput(n.mean), floatOutput(n.max), { name: n.argmax, type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64 } } });
    names.set(value, n);
  });
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  outputs.push(...whole.filter((v) => !existing.has(v)).map(floatOutput));
  const flatShape: onnx.ITensorProto = { name: shapeName, dims: [3], dataType: onnx.TensorProto.DataType.INT64, int64Data: [0, 0, -1] };
  const bytes = encode(model, {
    ...graph,
    node: [...(graph.node ?? []), ...nodes],
    initializer: [...inlineExternal(graph, externalData), flatShape],
    output: [...(graph.output ?? []), ...outputs],
  });
  return { bytes, names };
}
