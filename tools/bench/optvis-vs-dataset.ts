/**
 * Do feature visualizations beat the dataset? For every unit of every layer of the demo zoo's versions, renders the
 * channel visualization exactly as the demo's render jobs do (apps/render visualizeUnits, `--steps` 256 at `--size`
 * 64 px by default), stores nothing, and compares the unit's response to its picture with its strongest response
 * over the Fashion-MNIST probe set the demo registers (the first 2000 test images). The picture is read back the
 * way a user's image would be: the 8-bit PNG, resized to the 28 px input by sharp (`png`); the response inside the
 * optimisation's own resize (`render`) is reported too. Two measures, each against the same measure's dataset
 * maximum: the spatial mean of the channel (what the objective maximises) and its spatial maximum (what the
 * unit pages rank examples by). Prints JSON with per-version and overall fractions, and the render time.
 *
 * A softmax layer's pictures optimise its logits (optvis.optimisedNode, Lucid's convention), and its units are
 * judged on those logits: a probability stops at exactly 1 in float32, so a saturated unit cannot be beaten,
 * only tied. How the same pictures fare on the probabilities is reported beside (`softmaxOnProbabilities`).
 * Run: `npx tsx tools/bench/optvis-vs-dataset.ts [--versions small-cnn-seed1@s1-e6,…] [--layers conv1,logits]
 * [--steps 256] [--size 64] [--lr 0.1] (the demo's settings) [--probes 2000] [--transform-scale s] [--threads N]`.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Executor, importModel, listLayers, optvis, selectBackend, type GraphIR } from '@microscope/engine';
import { encodePng, imageToInput } from '@microscope/imaging';
import { networkForward, visualizeUnits, type RenderedUnit } from '@microscope/render';
import { FASHION_PIXELS, loadFashionSplit } from '../demo-zoo/fashion-mnist';
import { readZooManifest, type ZooVersion } from '../demo-zoo/manifest';

interface Options {
  versions?: string[];
  /** Only these layers of each version (all by default). */
  layers?: string[];
  steps: number;
  size: number;
  probes: number;
  learningRate: number;
  /** Transform pixel scale (default: the jobs' size / 128). */
  transformScale?: number;
  threads?: number;
}

const ZOO_DIR = path.join(__dirname, '..', 'demo-zoo');
const UNITS_PER_BATCH = 32;

async function loadVersion(entry: ZooVersion): Promise<GraphIR> {
  const dir = path.join(ZOO_DIR, path.dirname(entry.files[0].path));
  return importModel(entry.format, {
    readText: async (name) => readFileSync(path.join(dir, name), 'utf8'),
    readBinary: async (name) => readFileSync(path.join(dir, name)),
  });
}

/** [N, H, W, C] or [N, C] as [N, positions, C]. */
function positions(t: tf.Tensor): tf.Tensor3D {
  const channels = t.shape[t.rank - 1];
  return tf.reshape(t, [t.shape[0], -1, channels]);
}

/** Per layer and unit, the spatial mean and max of the channel for each image of a batch [n, H, W, C] in model input. */
function pooled(executor: Executor, layers: string[], inputs: tf.Tensor4D): Map<string, { mean: Float32Array; max: Float32Array; units: number }> {
  const out = executor.run(inputs, layers);
  const result = new Map<string, { mean: Float32Array; max: Float32Array; units: number }>();
  for (const [name, t] of out) {
    const [mean, max] = tf.tidy(() => {
      const flat = positions(t);
      return [tf.mean(flat, 1), tf.max(flat, 1)];
    });
    result.set(name, { mean: mean.dataSync() as Float32Array, max: max.dataSync() as Float32Array, units: t.shape[t.rank - 1] });
    tf.dispose([t, mean, max]);
  }
  return result;
}

/** The strongest response of every unit over the probe set, in batches. */
function datasetMaxima(executor: Executor, layers: string[], probes: Float32Array, count: number) {
  const best = new Map<string, { mean: Float32Array; max: Float32Array }>();
  for (let start = 0; start < count; start += 250) {
    const n = Math.min(250, count - start);
    const batch = tf.tensor4d(probes.subarray(start * FASHION_PIXELS, (start + n) * FASHION_PIXELS), [n, 28, 28, 1]);
    for (const [layer, p] of pooled(executor, layers, batch)) {
      const entry = best.get(layer) ?? { mean: new Float32Array(p.units).fill(-Infinity), max: new Float32Array(p.units).fill(-Infinity) };
      for (let i = 0; i < n; i++) {
        for (let u = 0; u < p.units; u++) {
          entry.mean[u] = Math.max(entry.mean[u], p.mean[i * p.units + u]);
          entry.max[u] = Math.max(entry.max[u], p.max[i * p.units + u]);
        }
      }
      best.set(layer, entry);
    }
    batch.dispose();
  }
  return best;
}

async function measureVersion(entry: ZooVersion, probes: Float32Array, options: Options) {
  const ir = await loadVersion(entry);
  const executor = new Executor(ir);
  const layers = listLayers(ir).filter((l) => !options.layers || options.layers.includes(l.name));
  // Each layer is judged on the node its pictures optimise; a softmax also on its probabilities.
  const judged = new Map(layers.map((l) => [l.name, optvis.optimisedNode(ir, l.name)]));
  const best = datasetMaxima(executor, [...new Set([...judged.values(), ...judged.keys()])], probes, options.probes);
  const forward = networkForward(executor, entry);
  const counts = { units: 0, pngMean: 0, pngMax: 0, renderMean: 0, pngMeanTies: 0, restarted: 0, replaced: 0 };
  const softmax = { units: 0, pngMean: 0, pngMeanTies: 0 };
  const losers: string[] = [];
  let renderSeconds = 0;
  for (const layer of layers) {
    const node = judged.get(layer.name)!;
    const units = Array.from({ length: layer.unitCount }, (_, u) => u);
    const started = performance.now();
    const rendered: RenderedUnit[] = [];
    for await (const batch of visualizeUnits({
      forward,
      layer: node,
      units,
      objective: 'channel',
      imagesPerBatch: UNITS_PER_BATCH,
      steps: options.steps,
      size: options.size,
      learningRate: options.learningRate,
      seed: 0,
      channels: 1,
      inputSize: [28, 28],
      transformScale: options.transformScale,
    })) {
      rendered.push(...batch);
    }
    renderSeconds += (performance.now() - started) / 1000;
    // The pictures as a user would feed them: PNG, resized to the input by sharp, preprocessed.
    const inputs = new Float32Array(rendered.length * FASHION_PIXELS);
    for (const [i, r] of rendered.entries()) {
      inputs.set(await imageToInput(await encodePng(r.pixels, r.width, r.height, 1), entry.input, entry.preprocessing), i * FASHION_PIXELS);
    }
    const pngInputs = tf.tensor4d(inputs, [rendered.length, 28, 28, 1]);
    const viaPngAll = pooled(executor, [...new Set([node, layer.name])], pngInputs);
    pngInputs.dispose();
    const viaPng = viaPngAll.get(node)!;
    // And inside the optimisation's own resize (bilinear warp to 28 px), from the 8-bit pixels.
    const warped = tf.tidy(() => {
      const pixels = new Float32Array(rendered.length * options.size * options.size);
      rendered.forEach((r, i) => r.pixels.forEach((v, p) => (pixels[i * options.size * options.size + p] = v / 255)));
      // Pixel centres onto pixel centres, as the optimisation's resizeTo.
      return tf.image.resizeBilinear(tf.tensor4d(pixels, [rendered.length, options.size, options.size, 1]), [28, 28], false, true);
    });
    const viaRender = tf.tidy(() => tf.mean(positions(forward(warped, [node]).get(node)!), 1));
    const renderMean = viaRender.dataSync();
    tf.dispose([warped, viaRender]);
    const b = best.get(node)!;
    const c = layer.unitCount;
    for (const [i, r] of rendered.entries()) {
      const u = r.unit;
      counts.units++;
      if (r.restart) counts.restarted++;
      if (r.restart === 'replaced') counts.replaced++;
      if (viaPng.mean[i * c + u] > b.mean[u]) counts.pngMean++;
      // Equal in float32: a saturated unit that nothing can exceed.
      else if (viaPng.mean[i * c + u] === b.mean[u]) counts.pngMeanTies++;
      else losers.push(`${layer.name}#${u}`);
      if (viaPng.max[i * c + u] > b.max[u]) counts.pngMax++;
      if (renderMean[i * c + u] > b.mean[u]) counts.renderMean++;
    }
    if (node !== layer.name) {
      const shown = viaPngAll.get(layer.name)!;
      const bestShown = best.get(layer.name)!;
      for (const [i, r] of rendered.entries()) {
        softmax.units++;
        if (shown.mean[i * c + r.unit] > bestShown.mean[r.unit]) softmax.pngMean++;
        else if (shown.mean[i * c + r.unit] === bestShown.mean[r.unit]) softmax.pngMeanTies++;
      }
    }
  }
  executor.dispose();
  const fraction = (n: number) => +(n / counts.units).toFixed(4);
  return {
    version: `${entry.model}@${entry.label}`,
    units: counts.units,
    beatsDataset: { pngMean: fraction(counts.pngMean), pngMax: fraction(counts.pngMax), renderMean: fraction(counts.renderMean) },
    tiesWithDataset: { pngMean: counts.pngMeanTies },
    restarts: { restarted: counts.restarted, replaced: counts.replaced },
    softmaxOnProbabilities: { units: softmax.units, beats: softmax.pngMean, ties: softmax.pngMeanTies },
    renderSeconds: +renderSeconds.toFixed(1),
    unitsPerMinute: +((60 * counts.units) / renderSeconds).toFixed(1),
    notBeatenByMean: losers,
    counts,
  };
}

export async function runOptvisVsDataset(options: Options) {
  const backend = await selectBackend({ prefer: 'wasm', threads: options.threads });
  const zoo = readZooManifest(ZOO_DIR);
  const entries = zoo.versions.filter((v) => !options.versions || options.versions.includes(`${v.model}@${v.label}`));
  const test = loadFashionSplit('test', Math.ceil(options.probes / 10));
  const probes = Float32Array.from(test.images.subarray(0, options.probes * FASHION_PIXELS), (v) => v / 255);
  const loadBefore = loadavg()[0];
  const versions = [];
  for (const entry of entries) versions.push(await measureVersion(entry, probes, options));
  const total = versions.reduce(
    (s, v) => ({
      units: s.units + v.units,
      pngMean: s.pngMean + v.counts.pngMean,
      pngMax: s.pngMax + v.counts.pngMax,
      renderMean: s.renderMean + v.counts.renderMean,
      ties: s.ties + v.counts.pngMeanTies,
      softmaxUnits: s.softmaxUnits + v.softmaxOnProbabilities.units,
      softmaxBeats: s.softmaxBeats + v.softmaxOnProbabilities.beats,
      softmaxTies: s.softmaxTies + v.softmaxOnProbabilities.ties,
      seconds: s.seconds + v.renderSeconds,
    }),
    { units: 0, pngMean: 0, pngMax: 0, renderMean: 0, ties: 0, softmaxUnits: 0, softmaxBeats: 0, softmaxTies: 0, seconds: 0 },
  );
  return {
    backend: { name: backend.name, threads: backend.threads, simd: backend.simd },
    cpus: cpus().length,
    load: { before: +loadBefore.toFixed(2), after: +loadavg()[0].toFixed(2) },
    settings: { steps: options.steps, size: options.size, learningRate: options.learningRate, transformScale: options.transformScale ?? options.size / 128, objective: 'channel', unitsPerBatch: UNITS_PER_BATCH, probes: options.probes, layers: options.layers ?? 'all' },
    overall: {
      units: total.units,
      beatsDataset: { pngMean: +(total.pngMean / total.units).toFixed(4), pngMax: +(total.pngMax / total.units).toFixed(4), renderMean: +(total.renderMean / total.units).toFixed(4) },
      tiesWithDataset: { pngMean: total.ties },
      softmaxOnProbabilities: { units: total.softmaxUnits, beats: total.softmaxBeats, ties: total.softmaxTies },
      renderMinutes: +(total.seconds / 60).toFixed(1),
      unitsPerMinute: +((60 * total.units) / total.seconds).toFixed(1),
    },
    versions: versions.map(({ counts: _counts, ...rest }) => rest),
  };
}

function parseArgs(argv: string[]): Options {
  // The demo's render settings (tools/start/demo.ts DEMO_RENDER).
  const options: Options = { steps: 256, size: 64, probes: 2000, learningRate: 0.1 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--versions') options.versions = value.split(',');
    else if (flag === '--layers') options.layers = value.split(',');
    else if (flag === '--steps') options.steps = Number(value);
    else if (flag === '--size') options.size = Number(value);
    else if (flag === '--probes') options.probes = Number(value);
    else if (flag === '--threads') options.threads = Number(value);
    else if (flag === '--lr') options.learningRate = Number(value);
    else if (flag === '--transform-scale') options.transformScale = Number(value);
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

if (require.main === module) {
  runOptvisVsDataset(parseArgs(process.argv.slice(2)))
    .then((report) => {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.exit(0);
    })
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
