import { MicroscopeError } from '@microscope/contracts';

/** A Keras layer as the importer needs it: its class, config, and the layers whose outputs feed it. */
export interface KerasLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers feeding this one, in call order (empty for the input layer). */
  inbound: string[];
}

export interface KerasGraph {
  /** Topologically ordered. */
  layers: KerasLayer[];
  outputs: string[];
  /** The batch input shape Sequential models carry on their first layer, when there is no InputLayer. */
  sequentialInputShape?: (number | null)[];
}

const invalid = (message: string): MicroscopeError => new MicroscopeError('INVALID_MODEL', message);
const unsupported = (message: string): MicroscopeError => new MicroscopeError('UNSUPPORTED', message);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a Keras / TF.js layers topology (Sequential or functional Model) into an ordered layer list. */
export function readKerasTopology(modelTopology: Record<string, unknown>): KerasGraph {
  // Models converted from Keras wrap the model in "model_config"; models saved by TF.js do not.
  const model = isRecord(modelTopology.model_config) ? modelTopology.model_config : modelTopology;
  const className = model.class_name;
  if (className === 'Sequential') return readSequential(model.config);
  if (className === 'Model' || className === 'Functional') return readFunctional(model.config);
  if (Array.isArray(modelTopology.node)) {
    throw invalid('model.json holds a TF.js graph model (modelTopology.node), not a layers model');
  }
  throw invalid(`model.json has no layers model topology (class_name is ${JSON.stringify(className ?? null)})`);
}

function layerName(raw: Record<string, unknown>, config: Record<string, unknown>, index: number): string {
  const name = raw.name ?? config.name;
  if (typeof name !== 'string' || name === '') throw invalid(`layer #${index} has no name`);
  return name;
}

function readSequential(config: unknown): KerasGraph {
  const rawLayers = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) throw invalid('the Sequential model has no layers');
  const layers: KerasLayer[] = [];
  let sequentialInputShape: (number | null)[] | undefined;
  rawLayers.forEach((raw: unknown, i) => {
    if (!isRecord(raw) || typeof raw.class_name !== 'string' || !isRecord(raw.config)) throw invalid(`layer #${i} is malformed`);
    const name = layerName(raw, raw.config, i);
    if (i === 0 && raw.class_name !== 'InputLayer') {
      const shape = raw.config.batch_input_shape ?? raw.config.batch_shape;
      if (!Array.isArray(shape)) throw invalid(`the first layer "${name}" does not declare its input shape`);
      sequentialInputShape = shape as (number | null)[];
    }
    const previous = layers[layers.length - 1];
    layers.push({ name, className: raw.class_name, config: raw.config, inbound: previous ? [previous.name] : [] });
  });
  return { layers, outputs: [layers[layers.length - 1].name], sequentialInputShape };
}

/** Keras 2 inbound_nodes: one entry per call, each a list of [layerName, nodeIndex, tensorIndex, kwargs]. */
function readInbound(name: string, inboundNodes: unknown): string[] {
  if (inboundNodes === undefined || (Array.isArray(inboundNodes) && inboundNodes.length === 0)) return [];
  if (!Array.isArray(inboundNodes)) throw invalid(`layer "${name}" has malformed inbound_nodes`);
  if (inboundNodes.length > 1) throw unsupported(`layer "${name}" is applied ${inboundNodes.length} times; shared layers are not supported`);
  const call = inboundNodes[0];
  if (!Array.isArray(call)) throw unsupported(`layer "${name}" uses an inbound_nodes format this importer does not read (Keras 3?)`);
  return call.map((ref: unknown) => {
    if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw invalid(`layer "${name}" has a malformed inbound reference`);
    if ((ref[1] ?? 0) !== 0 || (ref[2] ?? 0) !== 0) {
      throw unsupported(`layer "${name}" reads output ${ref[2]} of call ${ref[1]} of "${ref[0]}"; shared or multi-output layers are not supported`);
    }
    return ref[0];
  });
}

function refNames(refs: unknown, what: string): string[] {
  if (!Array.isArray(refs)) throw invalid(`the model's ${what} are missing`);
  // Either [[name, 0, 0], ...] or, for a single tensor, [name, 0, 0].
  const list = refs.length > 0 && typeof refs[0] === 'string' ? [refs] : refs;
  return list.map((r: unknown) => {
    if (!Array.isArray(r) || typeof r[0] !== 'string') throw invalid(`the model's ${what} are malformed`);
    return r[0];
  });
}

function readFunctional(config: unknown): KerasGraph {
  if (!isRecord(config) || !Array.isArray(config.layers)) throw invalid('the functional model has no layers');
  const byName = new Map<string, KerasLayer>();
  config.layers.forEach((raw: unknown, i) => {
    if (!isRecord(raw) || typeof raw.class_name !== 'string' || !isRecord(raw.config)) throw invalid(`layer #${i} is malformed`);
    const name = layerName(raw, raw.config, i);
    if (byName.has(name)) throw invalid(`two layers are named "${name}"`);
    byName.set(name, { name, className: raw.class_name, config: raw.config, inbound: readInbound(name, raw.inbound_nodes) });
  });
  const inputs = refNames(config.input_layers, 'input layers');
  if (inputs.length !== 1) throw unsupported(`the model has ${inputs.length} inputs; only single-image models are supported`);
  const outputs = refNames(config.output_layers, 'output layers');
  for (const n of [...inputs, ...outputs]) if (!byName.has(n)) throw invalid(`the model refers to a missing layer "${n}"`);
  return { layers: topologicalOrder(byName, outputs), outputs };
}

/** Orders the layers the outputs depend on, inputs first; rejects references to missing layers and cycles. */
function topologicalOrder(byName: Map<string, KerasLayer>, outputs: string[]): KerasLayer[] {
  const ordered: KerasLayer[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, from: string): void => {
    const layer = byName.get(name);
    if (!layer) throw invalid(`layer "${from}" takes input from a missing layer "${name}"`);
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'open') throw invalid(`the layer graph has a cycle through "${name}"`);
    state.set(name, 'open');
    for (const input of layer.inbound) visit(input, name);
    state.set(name, 'done');
    ordered.push(layer);
  };
  for (const o of outputs) visit(o, '(outputs)');
  return ordered;
}
