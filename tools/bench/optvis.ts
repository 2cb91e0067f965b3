/**
 * Feature-visualization benchmark: prints JSON with the milliseconds per optimisation step (Lucid's full step:
 * Fourier parameterization, colour decorrelation, sigmoid, standard transforms, forward + input gradient, Adam)
 * and the units per minute at `--render-steps` steps (default 512), for batches of 1, 8 and 32 units (one channel
 * objective per image), at 128 px, on networks run by the engine's Executor: two with random weights (a small
 * convnet and an InceptionV1-shaped network up to mixed4a with the real widths) and the demo zoo's two
 * architectures (`small-cnn`, `bn-cnn`: 28×28 grayscale, rendered at `--demo-size` px, default 64, and resized to
 * the input; their batch is every unit of the last convolutional layer). Each is timed with the stock TF.js
 * gradients and with the executor's fast ones (`--gradients stock,fast`). Also the split of a step into image
 * parameterization, transforms and network. Run: `npx tsx tools/bench/optvis.ts [--nets small,inceptionv1,
 * small-cnn,bn-cnn] [--batches 1,8,32] [--steps 3] [--size 128] [--demo-size 64] [--render-steps 512]
 * [--gradients stock,fast] [--threads N]`. Times are printed, never asserted.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../libs/engine/src/backend/select-backend';
import { Executor } from '../../libs/engine/src/exec/executor';
import { setFastGradients } from '../../libs/engine/src/exec/kernels';
import { importModel } from '../../libs/engine/src/import/import-model';
import { listLayers } from '../../libs/engine/src/introspect/layers';
import { GraphBuilder } from '../../libs/engine/src/ir/builder';
import type { GraphIR } from '../../libs/engine/src/ir/graph';
import { samePads } from '../../libs/engine/src/ir/padding';
import { compose, imageParameterization, render, Rng, standardTransforms, unitBatch } from '../../libs/engine/src/optvis';

type RandomNet = 'small' | 'inceptionv1';
type DemoNet = 'small-cnn' | 'bn-cnn';
type NetName = RandomNet | DemoNet;
type Gradients = 'stock' | 'fast';

interface Options {
  nets: NetName[];
  batches: number[];
  steps: number;
  size: number;
  demoSize: number;
  renderSteps: number;
  gradients: Gradients[];
  threads?: number;
}

const isDemoNet = (name: NetName): name is DemoNet => name === 'small-cnn' || name === 'bn-cnn';

/** Builds NHWC graphs with 'same'-padded convolutions (+ReLU) and He-normal random weights. */
class NetBuilder {
  readonly b = new GraphBuilder('tfjs-graph');
  private readonly rng = new Rng(7);
  private count = 0;

  constructor(size: number) {
    this.b.addInput('input', [size, size, 3]);
  }

  conv(x: string, outC: number, k: number, stride = 1, name?: string): string {
    const [h, w, inC] = this.b.shapeOf(x);
    const id = name ?? `conv${this.count++}`;
    const filter = this.b.addWeight(`${id}/filter`, { shape: [k, k, inC, outC], data: this.rng.normals(k * k * inC * outC, Math.sqrt(2 / (k * k * inC))) });
    const bias = this.b.addWeight(`${id}/bias`, { shape: [outC], data: new Float32Array(outC).fill(0.01) });
    const pads = samePads([h, w], [k, k], [stride, stride]);
    const pre = this.b.add({ name: `${id}/pre`, op: 'conv2d', inputs: [x], attrs: { strides: [stride, stride], pads }, params: { filter, bias }, isLayer: false });
    return this.b.add({ name: id, op: 'relu', inputs: [pre], isLayer: true });
  }

  maxPool(x: string, k: number, stride: number): string {
    const [h, w] = this.b.shapeOf(x);
    const pads = samePads([h, w], [k, k], [stride, stride]);
    return this.b.add({ name: `pool${this.count++}`, op: 'maxPool', inputs: [x], attrs: { size: [k, k], strides: [stride, stride], pads }, isLayer: false });
  }

  lrn(x: string): string {
    return this.b.add({ name: `lrn${this.count++}`, op: 'lrn', inputs: [x], attrs: { radius: 2, bias: 1, alpha: 2e-5, beta: 0.75 }, isLayer: false });
  }

  /** Four branches: 1×1; 1×1 → 3×3; 1×1 → 5×5; 3×3 max pool → 1×1; concatenated. */
  inception(x: string, name: string, [c1, c3r, c3, c5r, c5, cp]: number[]): string {
    const b1 = this.conv(x, c1, 1);
    const b2 = this.conv(this.conv(x, c3r, 1), c3, 3);
    const b3 = this.conv(this.conv(x, c5r, 1), c5, 5);
    const b4 = this.conv(this.maxPool(x, 3, 1), cp, 1);
    return this.b.add({ name, op: 'concat', inputs: [b1, b2, b3, b4], attrs: { axis: 3 }, isLayer: true });
  }
}

/** The network and the layer whose channels are visualised. */
export function network(name: RandomNet, size: number): { ir: GraphIR; layer: string } {
  const n = new NetBuilder(size);
  if (name === 'small') {
    let x = n.conv('input', 32, 3, 2, 'conv1');
    x = n.conv(x, 64, 3, 1, 'conv2');
    x = n.maxPool(x, 2, 2);
    x = n.conv(x, 64, 3, 1, 'conv3');
    x = n.conv(x, 128, 3, 2, 'conv4');
    return { ir: n.b.build([x]), layer: 'conv4' };
  }
  // InceptionV1 (GoogLeNet) to mixed4a with its real widths.
  let x = n.conv('input', 64, 7, 2, 'conv2d0');
  x = n.lrn(n.maxPool(x, 3, 2));
  x = n.conv(x, 64, 1, 1, 'conv2d1');
  x = n.maxPool(n.lrn(n.conv(x, 192, 3, 1, 'conv2d2')), 3, 2);
  x = n.inception(x, 'mixed3a', [64, 96, 128, 16, 32, 32]);
  x = n.inception(x, 'mixed3b', [128, 128, 192, 32, 96, 64]);
  x = n.maxPool(x, 3, 2);
  x = n.inception(x, 'mixed4a', [192, 96, 208, 16, 48, 64]);
  return { ir: n.b.build([x]), layer: 'mixed4a' };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timeIt(f: () => tf.Tensor | tf.Tensor[], repeats: number): number {
  const samples: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const t0 = performance.now();
    const out = f();
    for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
    tf.dispose(out);
    if (i > 0) samples.push(performance.now() - t0); // the first run warms up
  }
  return median(samples);
}

/** A demo-zoo checkpoint (seed 1, last epoch) and its last convolutional layer. */
async function demoNetwork(name: DemoNet): Promise<{ ir: GraphIR; layer: string }> {
  const zooDir = path.join(__dirname, '..', 'demo-zoo');
  const manifest = JSON.parse(readFileSync(path.join(zooDir, 'zoo.json'), 'utf8')) as { versions: { architecture: string; files: { path: string }[] }[] };
  const entries = manifest.versions.filter((v) => v.architecture === name);
  const entry = entries[entries.length - 1];
  const dir = path.join(zooDir, path.dirname(entry.files[0].path));
  const ir = await importModel('tfjs-layers', {
    readText: async (file) => readFileSync(path.join(dir, file), 'utf8'),
    readBinary: async (file) => readFileSync(path.join(dir, file)),
  });
  const convLayers = listLayers(ir).filter((l) => l.outputShape.length === 3);
  return { ir, layer: convLayers[convLayers.length - 1].name };
}

interface Setup {
  ir: GraphIR;
  layer: string;
  /** Rendered image size and the network's input size (different for the 28 px demo models). */
  size: number;
  inputSize: [number, number];
  channels: number;
  batch: number;
}

async function setup(name: NetName, batch: number, options: Options): Promise<Setup> {
  if (isDemoNet(name)) {
    const { ir, layer } = await demoNetwork(name);
    const [h, w, channels] = ir.input.shape;
    const units = ir.nodes.find((n) => n.name === layer)!.outputShape[2];
    return { ir, layer, size: options.demoSize, inputSize: [h, w], channels, batch: units };
  }
  const { ir, layer } = network(name, options.size);
  return { ir, layer, size: options.size, inputSize: [options.size, options.size], channels: 3, batch };
}

async function benchOne(s: Setup, gradients: Gradients, options: Options) {
  setFastGradients(gradients === 'fast');
  const { ir, layer, size, inputSize, channels, batch } = s;
  const executor = new Executor(ir);
  const units = ir.nodes.find((n) => n.name === layer)!.outputShape[2];
  const forward = (x: tf.Tensor4D, layers: string[]) => executor.run(x, layers);
  const stamps: number[] = [];
  try {
    await render({
      forward,
      // One channel objective per image, as the render jobs batch them.
      objectives: [unitBatch(layer, Array.from({ length: batch }, (_, i) => ({ batch: i, unit: i % units })))],
      batch,
      size,
      channels,
      steps: options.steps + 1,
      inputSize,
      onProgress: () => stamps.push(performance.now()),
    });
  } catch (e) {
    executor.dispose();
    return { gradients, batch, size, error: (e as Error).message.slice(0, 300) };
  }
  const steps = stamps.slice(1).map((t, i) => t - stamps[i]);
  const msPerStep = median(steps);

  // Where a step goes: the image parameterization and the transforms (forward + backward each), and the network.
  const param = imageParameterization({ batch, height: size, width: size, channels, seeds: Array.from({ length: batch }, (_, i) => i) });
  const parameterizationMs = timeIt(() => tf.variableGrads(() => tf.sum(param.images())).value, 2);
  param.dispose();
  const transform = compose(standardTransforms());
  const rng = new Rng(1);
  const images = tf.randomUniform([batch, size, size, channels]) as tf.Tensor4D;
  const transformsMs = timeIt(() => tf.grad((x: tf.Tensor) => tf.sum(tf.image.resizeBilinear(transform(x as tf.Tensor4D, rng), inputSize, true)))(images), 2);
  images.dispose();
  const inputs = tf.randomUniform([batch, ...inputSize, channels]) as tf.Tensor4D;
  const networkMs = timeIt(() => tf.grad((x: tf.Tensor) => tf.sum(forward(x as tf.Tensor4D, [layer]).get(layer)!))(inputs), 2);
  inputs.dispose();
  executor.dispose();
  return {
    gradients,
    batch,
    size,
    msPerStep: Math.round(msPerStep),
    unitsPerMinute: +((batch * 60000) / (msPerStep * options.renderSteps)).toFixed(2),
    split: { parameterizationMs: Math.round(parameterizationMs), transformsMs: Math.round(transformsMs), networkMs: Math.round(networkMs) },
    stepsTimed: steps.length,
  };
}

export async function runOptvisBench(options: Options) {
  const backend = await selectBackend({ prefer: 'wasm', threads: options.threads });
  const loadBefore = loadavg()[0];
  const results = [];
  for (const net of options.nets) {
    // The demo models' batch is fixed: every unit of their last convolutional layer.
    for (const batch of isDemoNet(net) ? [0] : options.batches) {
      const s = await setup(net, batch, options);
      for (const gradients of options.gradients) results.push({ net, layer: s.layer, ...(await benchOne(s, gradients, options)) });
    }
  }
  setFastGradients(true);
  // The machine may be shared: the 1-minute load average says how much of it the numbers had.
  const load = { before: +loadBefore.toFixed(2), after: +loadavg()[0].toFixed(2) };
  return {
    backend: { name: backend.name, threads: backend.threads, simd: backend.simd, reason: backend.reason },
    cpus: cpus().length,
    load,
    renderSteps: options.renderSteps,
    results,
  };
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    nets: ['small', 'inceptionv1', 'small-cnn', 'bn-cnn'],
    batches: [1, 8, 32],
    steps: 3,
    size: 128,
    demoSize: 64,
    renderSteps: 512,
    gradients: ['stock', 'fast'],
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--nets') options.nets = value.split(',') as NetName[];
    else if (flag === '--batches') options.batches = value.split(',').map(Number);
    else if (flag === '--steps') options.steps = Number(value);
    else if (flag === '--size') options.size = Number(value);
    else if (flag === '--demo-size') options.demoSize = Number(value);
    else if (flag === '--render-steps') options.renderSteps = Number(value);
    else if (flag === '--gradients') options.gradients = value.split(',') as Gradients[];
    else if (flag === '--threads') options.threads = Number(value);
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

if (require.main === module) {
  runOptvisBench(parseArgs(process.argv.slice(2)))
    .then((report) => {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.exit(0);
    })
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
