/**
 * Feature-visualization benchmark: prints JSON with the milliseconds per optimisation step (Lucid's full step:
 * Fourier parameterization, colour decorrelation, sigmoid, standard transforms, forward + input gradient, Adam)
 * and the units per minute at 512 steps, for batches of 1, 8 and 32 units (one channel objective per image), at
 * 128 px, on two networks run by the engine's Executor with random weights: a small convnet and an
 * InceptionV1-shaped network up to mixed4a (the real widths). Also the split of a step into image
 * parameterization, transforms and network. Run: `npx tsx tools/bench/optvis.ts [--nets small,inceptionv1]
 * [--batches 1,8,32] [--steps 3] [--size 128] [--threads N]`. Times are printed, never asserted.
 */
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../libs/engine/src/backend/select-backend';
import { Executor } from '../../libs/engine/src/exec/executor';
import { GraphBuilder } from '../../libs/engine/src/ir/builder';
import type { GraphIR } from '../../libs/engine/src/ir/graph';
import { samePads } from '../../libs/engine/src/ir/padding';
import { channel, compose, imageParameterization, render, Rng, standardTransforms } from '../../libs/engine/src/optvis';

type NetName = 'small' | 'inceptionv1';

interface Options {
  nets: NetName[];
  batches: number[];
  steps: number;
  size: number;
  threads?: number;
}

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
export function network(name: NetName, size: number): { ir: GraphIR; layer: string } {
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

async function benchOne(name: NetName, batch: number, options: Options) {
  const { ir, layer } = network(name, options.size);
  const executor = new Executor(ir);
  const channels = ir.nodes.find((n) => n.name === layer)!.outputShape[2];
  const forward = (x: tf.Tensor4D, layers: string[]) => executor.run(x, layers);
  const stamps: number[] = [];
  await render({
    forward,
    objectives: Array.from({ length: batch }, (_, i) => channel(layer, i % channels, { batch: i })),
    batch,
    size: options.size,
    steps: options.steps + 1,
    inputSize: [options.size, options.size],
    onProgress: () => stamps.push(performance.now()),
  });
  const steps = stamps.slice(1).map((t, i) => t - stamps[i]);
  const msPerStep = median(steps);

  // Where a step goes: the image parameterization and the transforms (forward + backward each), and the network.
  const param = imageParameterization({ batch, height: options.size, width: options.size, channels: 3, seeds: Array.from({ length: batch }, (_, i) => i) });
  const parameterizationMs = timeIt(() => tf.variableGrads(() => tf.sum(param.images())).value, 2);
  param.dispose();
  const transform = compose(standardTransforms());
  const rng = new Rng(1);
  const images = tf.randomUniform([batch, options.size, options.size, 3]) as tf.Tensor4D;
  const transformsMs = timeIt(
    () => tf.grad((x: tf.Tensor) => tf.sum(tf.image.resizeBilinear(transform(x as tf.Tensor4D, rng), [options.size, options.size], true)))(images),
    2,
  );
  const networkMs = timeIt(
    () => tf.grad((x: tf.Tensor) => tf.sum(forward(x as tf.Tensor4D, [layer]).get(layer)!))(images),
    2,
  );
  images.dispose();
  executor.dispose();
  return {
    net: name,
    layer,
    batch,
    size: options.size,
    msPerStep: Math.round(msPerStep),
    unitsPerMinute: +((batch * 60000) / (msPerStep * 512)).toFixed(2),
    split: { parameterizationMs: Math.round(parameterizationMs), transformsMs: Math.round(transformsMs), networkMs: Math.round(networkMs) },
    stepsTimed: steps.length,
  };
}

export async function runOptvisBench(options: Options) {
  const backend = await selectBackend({ prefer: 'wasm', threads: options.threads });
  const loadBefore = loadavg()[0];
  const results = [];
  for (const net of options.nets) {
    for (const batch of options.batches) results.push(await benchOne(net, batch, options));
  }
  // The machine may be shared: the 1-minute load average says how much of it the numbers had.
  const load = { before: +loadBefore.toFixed(2), after: +loadavg()[0].toFixed(2) };
  return { backend: { name: backend.name, threads: backend.threads, simd: backend.simd, reason: backend.reason }, cpus: cpus().length, load, results };
}

function parseArgs(argv: string[]): Options {
  const options: Options = { nets: ['small', 'inceptionv1'], batches: [1, 8, 32], steps: 3, size: 128 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--nets') options.nets = value.split(',') as NetName[];
    else if (flag === '--batches') options.batches = value.split(',').map(Number);
    else if (flag === '--steps') options.steps = Number(value);
    else if (flag === '--size') options.size = Number(value);
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
