import { MicroscopeError } from '@microscope/contracts';
import { GraphBuilder } from '../ir/builder';
import type { GraphIR } from '../ir/graph';
import { shapeSize } from '../ir/shapes';
import { validateGraph } from '../ir/validate';
import { resolveInputShape, type ImportOptions } from './import-options';
import type { ModelJson } from './model-json';
import type { ModelFiles } from './model-files';
import { canFold, constFromAttr, constFromDecoded, foldNode, type ConstValue } from './tfjs-graph/const-fold';
import { NodeAttrs, parseGraphTopology, parseRef, refKey, type GraphNodeJson, type TensorRef } from './tfjs-graph/graph-def';
import { LOWERERS, type LowerContext } from './tfjs-graph/lowerers';
import { markGraphLayers } from './tfjs-graph/mark-layers';
import { readModelJson } from './tfjs-layers';
import { loadWeights, type DecodedTensor } from './weights';

export interface GraphImportOptions extends ImportOptions {
  /**
   * What to do with an op the IR cannot express. 'error' (default) rejects the model; 'truncate' drops that node
   * and everything that depends on it (typically detection post-processing) and keeps the rest.
   */
  unsupported?: 'error' | 'truncate';
}

export interface DroppedNode {
  name: string;
  op: string;
  reason: string;
}

export interface GraphImportResult {
  ir: GraphIR;
  /** Nodes left out under unsupported: 'truncate'. */
  dropped: DroppedNode[];
}

/** Imports a TF.js graph model (model.json with modelTopology.node, plus weight shards) into the graph IR. */
export async function importTfjsGraphModel(files: ModelFiles, options: GraphImportOptions = {}): Promise<GraphIR> {
  return (await importTfjsGraphModelWithReport(files, options)).ir;
}

export async function importTfjsGraphModelWithReport(files: ModelFiles, options: GraphImportOptions = {}): Promise<GraphImportResult> {
  const { json, name } = await readModelJson(files, options);
  const nodes = parseGraphTopology(json.modelTopology);
  const weights = await loadWeights(json.weightsManifest, files, name);
  const result = convertGraphModel(json, nodes, weights, options);
  validateGraph(result.ir);
  return result;
}

type Resolved = { kind: 'const'; value: ConstValue } | { kind: 'tensor'; ir: string } | { kind: 'dropped'; reason: string };

const SKIPPED_OPS = new Set(['NoOp']);

/** Names of the graph's output tensors: the signature's, else every node nothing consumes. */
function graphOutputs(json: ModelJson, nodes: GraphNodeJson[]): TensorRef[] {
  const signature = (json.signature ?? (json.userDefinedMetadata?.signature as Record<string, unknown> | undefined)) as
    | { outputs?: Record<string, { name?: string }> }
    | undefined;
  const declared = Object.values(signature?.outputs ?? {})
    .map((o) => o.name)
    .filter((n): n is string => typeof n === 'string');
  if (declared.length > 0) return declared.map(parseRef);
  const used = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => parseRef(i).node)));
  return nodes.filter((n) => !used.has(n.name) && n.op !== 'Const' && !SKIPPED_OPS.has(n.op)).map((n) => parseRef(n.name));
}

/** The nodes the outputs depend on (data inputs only), inputs first. */
function orderNeeded(nodes: GraphNodeJson[], outputs: TensorRef[]): GraphNodeJson[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const order: GraphNodeJson[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, from: string): void => {
    const node = byName.get(name);
    if (!node) throw new MicroscopeError('INVALID_MODEL', `node "${from}" takes input from a missing node "${name}"`);
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') throw new MicroscopeError('INVALID_MODEL', `the graph has a cycle through "${name}"`);
    state.set(name, 'open');
    // Iterative over inputs, recursive over depth: graph models are a few hundred nodes deep at most.
    for (const ref of (node.input ?? []).map(parseRef)) if (!ref.control) visit(ref.node, name);
    state.set(name, 'done');
    order.push(node);
  };
  for (const o of outputs) visit(o.node, '(outputs)');
  return order;
}

export function convertGraphModel(
  json: ModelJson,
  nodes: GraphNodeJson[],
  weights: Map<string, DecodedTensor>,
  options: GraphImportOptions = {},
): GraphImportResult {
  const truncate = options.unsupported === 'truncate';
  const b = new GraphBuilder('tfjs-graph');
  const values = new Map<string, Resolved>();
  const weightNames = new Map<string, string>();
  const dropped: DroppedNode[] = [];
  const outputs = graphOutputs(json, nodes);

  const resolve = (ref: TensorRef, user: string): Resolved => {
    // A dropped node is recorded under its first output; its other outputs (TopKV2:1 …) are dropped too.
    const v = values.get(refKey(ref)) ?? (values.get(ref.node)?.kind === 'dropped' ? values.get(ref.node) : undefined);
    if (!v) throw new MicroscopeError('INVALID_MODEL', `node "${user}" reads output ${ref.output} of "${ref.node}", which has no such output`);
    return v;
  };

  for (const node of orderNeeded(nodes, outputs)) {
    if (SKIPPED_OPS.has(node.op)) continue;
    const refs = (node.input ?? []).map(parseRef).filter((r) => !r.control);
    const inputs = refs.map((r) => resolve(r, node.name));
    const setConst = (results: ConstValue[]) => results.forEach((value, k) => values.set(refKey({ node: node.name, output: k, control: false }), { kind: 'const', value }));

    if (node.op === 'Const') {
      const stored = weights.get(node.name);
      const value = stored ? constFromDecoded(stored) : constFromAttr(node);
      if (!value) throw new MicroscopeError('INVALID_MODEL', `constant "${node.name}" has no value in the weights manifest`);
      setConst([value]);
      continue;
    }
    if (node.op === 'Placeholder' || node.op === 'PlaceholderWithDefault') {
      const attrs = new NodeAttrs(node);
      const dtype = attrs.dtype('dtype');
      if (dtype !== 'DT_FLOAT' && dtype !== 'DT_INT32') throw new MicroscopeError('UNSUPPORTED', `input "${node.name}" has dtype ${dtype}; only image inputs are supported`);
      const stored = attrs.shape('shape');
      if (!stored) throw new MicroscopeError('INVALID_MODEL', `input "${node.name}" has no shape`);
      // Integer image inputs (0..255) run as float here, so gradients with respect to them exist.
      values.set(node.name, { kind: 'tensor', ir: b.addInput(node.name, resolveInputShape(stored, options, node.name)) });
      continue;
    }
    const lost = inputs.find((i) => i.kind === 'dropped');
    if (lost) {
      values.set(node.name, { kind: 'dropped', reason: 'depends on a dropped node' });
      dropped.push({ name: node.name, op: node.op, reason: 'depends on a dropped node' });
      continue;
    }
    if (['Shape', 'Size', 'Rank', 'ShapeN'].includes(node.op) && inputs.length > 0) {
      // Shapes are static in the IR; the batch is 1 and stays the leading axis of any shape computed from it.
      setConst(inputs.map((i) => shapeConst(node.op, i, b)));
      continue;
    }
    if (inputs.every((i) => i.kind === 'const') && canFold(node.op)) {
      setConst(foldNode(node, inputs.map((i) => (i as { value: ConstValue }).value)));
      continue;
    }
    const lower = LOWERERS[node.op];
    try {
      if (!lower) throw new MicroscopeError('UNSUPPORTED', `node "${node.name}" has op ${node.op}, which is not supported`);
      lower(lowerContext(node, inputs, b, values, weightNames));
    } catch (e) {
      if (!(truncate && e instanceof MicroscopeError && e.code === 'UNSUPPORTED')) throw e;
      values.set(node.name, { kind: 'dropped', reason: e.message });
      dropped.push({ name: node.name, op: node.op, reason: e.message });
    }
  }

  const outputNames = [...new Set(outputs.map((o) => values.get(refKey(o))).flatMap((v) => (v?.kind === 'tensor' ? [v.ir] : [])))];
  if (outputNames.length === 0) {
    if (truncate && dropped.length > 0) {
      // Everything the declared outputs need was dropped: fall back to what remains without consumers.
      const ir = b.build([]);
      const consumed = new Set(ir.nodes.flatMap((n) => n.inputs));
      outputNames.push(...ir.nodes.filter((n) => !consumed.has(n.name) && n.op !== 'input').map((n) => n.name));
    }
    if (outputNames.length === 0) throw new MicroscopeError('INVALID_MODEL', 'the graph computes no tensor outputs from its input');
  }
  const ir = b.build(outputNames);
  markGraphLayers(ir);
  return { ir, dropped };
}

function shapeConst(op: string, input: Resolved, b: GraphBuilder): ConstValue {
  const shape = input.kind === 'tensor' ? [1, ...b.shapeOf(input.ir)] : input.kind === 'const' ? input.value.shape : [];
  const value = op === 'Size' ? [shapeSize(shape)] : op === 'Rank' ? [shape.length] : shape;
  return { shape: op === 'Shape' || op === 'ShapeN' ? [shape.length] : [], dtype: 'int32', values: Int32Array.from(value) };
}

function lowerContext(
  node: GraphNodeJson,
  inputs: Resolved[],
  b: GraphBuilder,
  values: Map<string, Resolved>,
  weightNames: Map<string, string>,
): LowerContext {
  const refs = (node.input ?? []).map(parseRef).filter((r) => !r.control);
  const unsupported = (what: string) => new MicroscopeError('UNSUPPORTED', `node "${node.name}" (${node.op}): ${what} is not supported`);
  const input = (i: number): Resolved => {
    if (i >= inputs.length) throw new MicroscopeError('INVALID_MODEL', `node "${node.name}" (${node.op}) has ${inputs.length} inputs, needs at least ${i + 1}`);
    return inputs[i];
  };
  const constant = (i: number): ConstValue => {
    const v = input(i);
    if (v.kind !== 'const') throw unsupported(`a run-time value as input ${i}`);
    return v.value;
  };
  return {
    node,
    attrs: new NodeAttrs(node),
    b,
    inputCount: inputs.length,
    isConst: (i) => input(i).kind === 'const',
    tensor: (i) => {
      const v = input(i);
      if (v.kind !== 'tensor') throw unsupported(`a constant as input ${i}`);
      return v.ir;
    },
    constant,
    weight: (i) => {
      const key = refKey(refs[i]);
      const existing = weightNames.get(key);
      if (existing) return existing;
      const v = constant(i);
      const data = v.values instanceof Float32Array ? v.values : Float32Array.from(v.values);
      const name = b.addWeight(key, { shape: [...v.shape], data });
      weightNames.set(key, name);
      return name;
    },
    newWeight: (base, shape, data) => b.addWeight(base, { shape, data }),
    emit: (spec) => b.add({ name: spec.name ?? node.name, op: spec.op, inputs: spec.inputs, attrs: spec.attrs ?? {}, params: spec.params ?? {}, isLayer: false }),
    output: (index, ir) => values.set(refKey({ node: node.name, output: index, control: false }), { kind: 'tensor', ir }),
    unsupported,
  };
}
