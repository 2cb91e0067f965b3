import { MicroscopeError } from '@microscope/contracts';
import { GraphBuilder } from '../ir/builder';
import type { GraphIR } from '../ir/graph';
import { formatShape, shapeSize } from '../ir/shapes';
import { validateGraph } from '../ir/validate';
import { LayerConfig } from './keras/config';
import { LAYER_CONVERTERS, type LayerContext } from './keras/layer-converters';
import { readKerasTopology, type KerasLayer } from './keras/topology';
import { resolveInputShape, type ImportOptions } from './import-options';
import { parseModelJson, type ModelJson } from './model-json';
import type { ModelFiles } from './model-files';
import { floatValues, loadWeights, type DecodedTensor } from './weights';


/** Reads model.json, rejecting a missing file with a message about the model rather than a path. */
export async function readModelJson(files: ModelFiles, options: ImportOptions): Promise<{ json: ModelJson; name: string }> {
  const name = options.modelJsonName ?? 'model.json';
  let text: string;
  try {
    text = await files.readText(name);
  } catch (e) {
    if (e instanceof MicroscopeError && e.code === 'NOT_FOUND') throw new MicroscopeError('INVALID_MODEL', `the model has no ${name}`, { cause: e });
    throw e;
  }
  return { json: parseModelJson(text, name), name };
}

/** Imports a TF.js layers model (model.json with a Keras topology, plus weight shards) into the graph IR. */
export async function importTfjsLayersModel(files: ModelFiles, options: ImportOptions = {}): Promise<GraphIR> {
  const { json, name } = await readModelJson(files, options);
  const weights = await loadWeights(json.weightsManifest, files, name);
  const ir = convertLayersModel(json, weights, options);
  validateGraph(ir);
  return ir;
}

export function convertLayersModel(json: ModelJson, weights: Map<string, DecodedTensor>, options: ImportOptions = {}): GraphIR {
  const graph = readKerasTopology(json.modelTopology);
  const b = new GraphBuilder('tfjs-layers');
  const lookup = weightLookup(weights);

  if (graph.sequentialInputShape) {
    const first = graph.layers[0];
    const inputName = `${first.name}_input`;
    b.addInput(inputName, resolveInputShape(graph.sequentialInputShape, options, inputName));
    first.inbound = [inputName];
  }

  for (const layer of graph.layers) {
    if (layer.className === 'InputLayer') {
      const shape = layer.config.batch_input_shape ?? layer.config.batch_shape;
      if (!Array.isArray(shape)) throw new MicroscopeError('INVALID_MODEL', `input layer "${layer.name}" has no batch_input_shape`);
      b.addInput(layer.name, resolveInputShape(shape as (number | null)[], options, layer.name));
      continue;
    }
    const convert = LAYER_CONVERTERS[layer.className];
    if (!convert) {
      throw new MicroscopeError(
        'UNSUPPORTED',
        `layer "${layer.name}" has class ${layer.className}, which is not supported (supported: InputLayer, ${Object.keys(LAYER_CONVERTERS).join(', ')})`,
      );
    }
    convert(layerContext(b, layer, lookup));
    if (!b.has(layer.name)) throw new MicroscopeError('INTERNAL', `the converter for ${layer.className} did not emit "${layer.name}"`);
  }
  return b.build(graph.outputs);
}

type WeightLookup = (layer: string, kind: string) => DecodedTensor;

/** Finds "<layer>/<kind>" in the manifest, tolerating Keras's ":0" suffix and an enclosing model's name prefix. */
function weightLookup(weights: Map<string, DecodedTensor>): WeightLookup {
  return (layer, kind) => {
    const exact = `${layer}/${kind}`;
    const direct = weights.get(exact) ?? weights.get(`${exact}:0`);
    if (direct) return direct;
    const suffixed = [...weights.keys()].filter((n) => n.endsWith(`/${exact}`) || n.endsWith(`/${exact}:0`));
    if (suffixed.length === 1) return weights.get(suffixed[0])!;
    if (suffixed.length > 1) {
      throw new MicroscopeError('INVALID_MODEL', `layer "${layer}" matches several weights named ${kind}: ${suffixed.join(', ')}`);
    }
    throw new MicroscopeError('INVALID_MODEL', `layer "${layer}" needs the weight "${exact}", which the weights manifest does not list`);
  };
}

function layerContext(b: GraphBuilder, layer: KerasLayer, lookup: WeightLookup): LayerContext {
  const checked = (kind: string, expected: number[]): DecodedTensor => {
    const t = lookup(layer.name, kind);
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new MicroscopeError(
        'INVALID_MODEL',
        `weight "${t.name}" has shape ${formatShape(t.shape)} but layer "${layer.name}" (${layer.className}) needs ${formatShape(expected)}`,
      );
    }
    return t;
  };
  return {
    b,
    layer,
    cfg: new LayerConfig(layer),
    inputs: layer.inbound,
    weight: (kind, expected) => {
      const t = checked(kind, expected);
      return b.addWeight(`${layer.name}/${kind}`, { shape: [...t.shape], data: floatValues(t) });
    },
    weightValues: (kind, expected) => floatValues(checked(kind, expected)),
    weightShape: (kind) => [...lookup(layer.name, kind).shape],
    constant: (kind, shape, data) => {
      if (data.length !== shapeSize(shape)) throw new MicroscopeError('INTERNAL', `constant ${kind} of "${layer.name}" has the wrong size`);
      return b.addWeight(`${layer.name}/${kind}`, { shape, data });
    },
  };
}
