import { MicroscopeError, Preprocessing } from '@microscope/contracts';
import type { GraphIR } from '../../ir/graph';
import { validateGraph } from '../../ir/validate';
import type { ModelFiles } from '../model-files';
import { NodeAttributes } from './attributes';
import type { ConstTensor } from './const-tensor';
import { ConversionContext } from './context';
import { FOLDERS } from './fold';
import { describeNode, indexGraph } from './graph-index';
import { finalizeLayers } from './layer-roles';
import { checkedSize, MAX_ACTIVATION_ELEMENTS, MAX_NODES } from './limits';
import { unsupported, type NodeInfo } from './ops/converter';
import { CONVERTERS } from './ops/registry';
import { fuseGelu } from './patterns';
import { decodeModel, defaultOpset, int64, onnx } from './proto';
import { decodeTensor, ExternalData } from './tensor-data';

export interface OnnxImportOptions {
  /** The .onnx file among the model's files (default "model.onnx"); external-data paths are relative to it. */
  entryName?: string;
  /** [H, W, C] for models whose input height / width are symbolic. */
  inputShape?: [number, number, number];
}

/** The imported graph plus what the onnxruntime forward path needs to run the same file. */
export interface OnnxImport {
  ir: GraphIR;
  /** IR node → the ONNX value it computes, for every node that corresponds to one (all layers do). */
  onnxValues: Record<string, string>;
  /** The decoded model; external initializers are still external (see externalData). */
  model: onnx.ModelProto;
  /** Bytes of externally stored initializers, by initializer name. */
  externalData: Map<string, Uint8Array>;
  opset: number;
  /** The model's fixed batch size, or null when it is symbolic. */
  batchSize: number | null;
  /** metadata_props of the file. */
  metadata: Record<string, string>;
  /** Preprocessing declared in metadata_props["microscope.preprocessing"] (JSON), when present. */
  preprocessing?: Preprocessing;
}

export const MIN_OPSET = 7;
export const MAX_OPSET = 23;

/** Imports an ONNX model into the graph IR (channels-last). */
export async function importOnnx(files: ModelFiles, options: OnnxImportOptions = {}): Promise<GraphIR> {
  return (await importOnnxDetailed(files, options)).ir;
}

export async function importOnnxDetailed(files: ModelFiles, options: OnnxImportOptions = {}): Promise<OnnxImport> {
  const entry = options.entryName ?? 'model.onnx';
  let bytes: Uint8Array;
  try {
    bytes = await files.readBinary(entry);
  } catch (e) {
    if (e instanceof MicroscopeError && e.code === 'NOT_FOUND') throw new MicroscopeError('INVALID_MODEL', `the model has no ${entry}`, { cause: e });
    throw e;
  }
  const model = decodeModel(bytes, entry);
  const opset = defaultOpset(model, entry);
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new MicroscopeError('UNSUPPORTED', `${entry} uses ONNX opset ${opset}; opsets ${MIN_OPSET} to ${MAX_OPSET} are supported (re-export with opset 9 to 21)`);
  }
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  if (nodes.length > MAX_NODES) throw new MicroscopeError('INVALID_MODEL', `${entry} has ${nodes.length} nodes, more than the ${MAX_NODES} allowed`);
  if ((graph.sparseInitializer ?? []).length > 0) throw new MicroscopeError('UNSUPPORTED', `${entry} has sparse initializers, which are not supported`);
  nodes.forEach((n, i) => {
    if (n.domain && n.domain !== 'ai.onnx') throw new MicroscopeError('UNSUPPORTED', `${describeNode(n, i)} is from the operator domain "${n.domain}"; only standard ONNX operators are supported`);
  });

  // Initializers (and their external files).
  const external = new ExternalData(files, entry);
  const initializers = new Map<string, ConstTensor>();
  const externalData = new Map<string, Uint8Array>();
  for (const [i, t] of (graph.initializer ?? []).entries()) {
    const name = t.name ?? '';
    if (!name) throw new MicroscopeError('INVALID_MODEL', `initializer #${i} has no name`);
    if (initializers.has(name)) throw new MicroscopeError('INVALID_MODEL', `two initializers are named "${name}"`);
    initializers.set(name, await decodeTensor(t, external, name));
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) externalData.set(name, await external.read(name, t.externalData ?? []));
  }

  const input = readImageInput(graph, initializers, options);
  const available = new Set<string>([input.name, ...initializers.keys()]);
  const outputNames = (graph.output ?? []).map((o) => o.name ?? '');
  if (outputNames.length === 0 || outputNames.some((o) => !o)) throw new MicroscopeError('INVALID_MODEL', `${entry} declares no (named) outputs`);
  const { order: sorted, index } = indexGraph(nodes, available, outputNames);
  const order = fuseGelu(sorted, index, (v) => scalarOf(v, initializers, index.producers));

  const ctx = new ConversionContext(opset, index, input.batchSize ?? 1);
  ctx.builder.addInput(input.name, input.shape);
  ctx.roles.set(input.name, 'internal');
  ctx.setRuntime(input.name, input.name, 4);
  for (const [name, t] of initializers) ctx.setConst(name, t);

  order.forEach((node, i) => convertNode(node, describeNode(node, i), ctx));

  const irOutputs = outputNames.map((o) => {
    const v = ctx.get(o, `the graph output "${o}"`);
    if (v.kind !== 'tensor') throw new MicroscopeError('UNSUPPORTED', `the graph output "${o}" is a constant, not computed from the image`);
    return v.node;
  });
  const ir = finalizeLayers(ctx.builder.build([...new Set(irOutputs)]), ctx.roles);
  validateGraph(ir);
  const kept = new Set(ir.nodes.map((n) => n.name));
  const onnxValues = Object.fromEntries([...ctx.onnxValueOf].filter(([node]) => kept.has(node)));
  const metadata = Object.fromEntries(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  return { ir, onnxValues, model, externalData, opset, batchSize: input.batchSize, metadata, preprocessing: readPreprocessing(metadata, entry) };
}

function convertNode(node: onnx.INodeProto, where: string, ctx: ConversionContext): void {
  const opType = node.opType ?? '';
  const info: NodeInfo = { node, opType, attrs: new NodeAttributes(node, where), inputs: node.input ?? [], outputs: node.output ?? [], where };
  if ((node.attribute ?? []).some((a) => a.g || (a.graphs && a.graphs.length > 0))) throw unsupported(info, 'control flow (subgraphs) is not supported');
  const present = info.inputs.filter(Boolean);
  const folder = FOLDERS[opType];
  if (folder && present.every((i) => ctx.get(i, where).kind === 'const')) {
    const inputs = info.inputs.map((i) => {
      if (!i) return undefined;
      const v = ctx.get(i, where);
      return v.kind === 'const' ? v.tensor : undefined;
    });
    const outs = folder({ inputs, attrs: info.attrs, opset: ctx.opset, where, outputCount: info.outputs.length });
    outs.forEach((t, k) => info.outputs[k] && ctx.setConst(info.outputs[k], t));
    return;
  }
  const converter = CONVERTERS[opType];
  if (!converter) {
    throw new MicroscopeError('UNSUPPORTED', `${where}: the operator "${opType}" is not supported (see the README for the supported ONNX operators)`);
  }
  converter(info, ctx);
  for (const out of info.outputs) {
    if (out && !ctx.has(out) && ctx.consumerCount(out) > 0) throw new MicroscopeError('INTERNAL', `${where}: output "${out}" was not produced`);
  }
}

/** A one-element constant's value, from an initializer or a Constant node. */
function scalarOf(value: string, initializers: Map<string, ConstTensor>, producers: ReadonlyMap<string, onnx.INodeProto>): number | undefined {
  const init = initializers.get(value);
  if (init) return init.data.length === 1 ? init.data[0] : undefined;
  const p = producers.get(value);
  if (p?.opType !== 'Constant') return undefined;
  try {
    const t = FOLDERS.Constant({ inputs: [], attrs: new NodeAttributes(p, 'Constant'), opset: 0, where: 'Constant', outputCount: 1 })[0];
    return t.data.length === 1 ? t.data[0] : undefined;
  } catch {
    // Not a numeric constant: not part of a pattern.
    return undefined;
  }
}

interface ImageInput {
  name: string;
  shape: [number, number, number];
  batchSize: number | null;
}

/** The one graph input that is not an initializer: a float [N, C, H, W] image batch with a static C. */
function readImageInput(graph: onnx.IGraphProto, initializers: Map<string, ConstTensor>, options: OnnxImportOptions): ImageInput {
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  if (inputs.length !== 1) {
    throw new MicroscopeError('UNSUPPORTED', `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); only models with one image input are supported`);
  }
  const input = inputs[0];
  const name = input.name ?? '';
  if (!name) throw new MicroscopeError('INVALID_MODEL', 'the model input has no name');
  const tensorType = input.type?.tensorType;
  if (!tensorType) throw new MicroscopeError('UNSUPPORTED', `input "${name}" is not a tensor`);
  if (tensorType.elemType !== onnx.TensorProto.DataType.FLOAT) {
    throw new MicroscopeError('UNSUPPORTED', `input "${name}" has element type ${onnx.TensorProto.DataType[tensorType.elemType ?? 0] ?? tensorType.elemType}; only float32 image inputs are supported`);
  }
  const dims = (tensorType.shape?.dim ?? []).map((d) => (d.dimValue !== null && d.dimValue !== undefined && int64(d.dimValue) > 0 ? int64(d.dimValue) : null));
  if (dims.length !== 4) {
    throw new MicroscopeError('UNSUPPORTED', `input "${name}" has ${dims.length} dimensions; only image inputs [N, C, H, W] are supported`);
  }
  const [batch, c, h, w] = dims;
  if (c === null) throw new MicroscopeError('INVALID_MODEL', `input "${name}" has no static channel count (dimension 1 of [N, C, H, W] is symbolic); re-export the model with a fixed number of channels`);
  const given = options.inputShape;
  const resolve = (d: number | null, i: number, what: string): number => {
    if (given && d !== null && given[i] !== d) throw new MicroscopeError('INVALID_INPUT', `input "${name}" has a fixed ${what} of ${d}; the requested ${given[i]} differs`);
    const v = d ?? given?.[i];
    if (v === undefined) throw new MicroscopeError('INVALID_INPUT', `input "${name}" has no fixed ${what}; give the input shape [H, W, C]`);
    return v;
  };
  const shape: [number, number, number] = [resolve(h, 0, 'height'), resolve(w, 1, 'width'), resolve(c, 2, 'channel count')];
  checkedSize(shape, `input "${name}"`, MAX_ACTIVATION_ELEMENTS);
  if (batch !== null) checkedSize([batch], `input "${name}"`);
  return { name, shape, batchSize: batch };
}

function readPreprocessing(metadata: Record<string, string>, entry: string): Preprocessing | undefined {
  const raw = metadata['microscope.preprocessing'];
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new MicroscopeError('INVALID_MODEL', `${entry}: metadata "microscope.preprocessing" is not JSON`);
  }
  const parsed = Preprocessing.safeParse(json);
  if (!parsed.success) throw new MicroscopeError('INVALID_MODEL', `${entry}: metadata "microscope.preprocessing" is invalid: ${parsed.error.issues[0].message}`);
  return parsed.data;
}
