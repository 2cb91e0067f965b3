/**
 * Activation-extraction throughput (images/s): forward passes to every layer plus per-channel pooling, the work
 * render does per batch, on the demo zoo's models and on an InceptionV1-shaped 224 px network with random weights.
 * Prints JSON. Usage: npx tsx tools/bench/extraction.ts [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import path from 'node:path';
import { Executor, importModel, listLayers, memoryModelFiles, folderModelFiles, poolChannels, selectBackend, type GraphIR } from '@microscope/engine';
import { readZooManifest } from '../demo-zoo/manifest';
import { inceptionV1 } from './networks/inception-v1';

const quick = process.argv.includes('--quick');

async function irOf(model: tf.LayersModel): Promise<GraphIR> {
  const files: Record<string, string | Uint8Array> = {};
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      files['model.json'] = JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] });
      files['w.bin'] = new Uint8Array(a.weightData as ArrayBuffer);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return importModel('tfjs-layers', memoryModelFiles(files));
}

/** Median images/s over `repeats` timed batches after one warm-up, extracting and pooling every layer. */
function measure(ir: GraphIR, batch: number, repeats: number) {
  const executor = new Executor(ir);
  const layers = listLayers(ir).map((l) => l.name);
  const [h, w, c] = ir.input.shape;
  const input = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', 3) as tf.Tensor4D;
  const once = () => {
    const outputs = executor.run(input, layers);
    for (const t of outputs.values()) {
      poolChannels(t as tf.Tensor4D);
      t.dispose();
    }
  };
  once();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  input.dispose();
  executor.dispose();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  return { batch, layers: layers.length, msPerBatch: +median.toFixed(1), imagesPerSecond: +((batch * 1000) / median).toFixed(1) };
}

async function main() {
  const backend = await selectBackend();
  const results: Record<string, unknown>[] = [];
  const zooDir = path.join(__dirname, '..', 'demo-zoo');
  const zoo = readZooManifest(zooDir);
  const seen = new Set<string>();
  for (const entry of zoo.versions) {
    if (seen.has(entry.architecture)) continue;
    seen.add(entry.architecture);
    const dir = path.join(zooDir, path.dirname(entry.files[0].path));
    const ir = await importModel('tfjs-layers', folderModelFiles(dir));
    results.push({ network: `${entry.architecture} (demo zoo, ${ir.input.shape.join('×')})`, ...measure(ir, 64, quick ? 3 : 10) });
  }
  const inception = await irOf(inceptionV1(224));
  for (const batch of quick ? [8] : [1, 8]) {
    results.push({ network: 'InceptionV1-shaped, random weights, 224×224×3', ...measure(inception, batch, quick ? 2 : 5) });
  }
  console.log(
    JSON.stringify(
      { bench: 'activation-extraction', backend, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, results },
      null,
      2,
    ),
  );
  process.exit(0);
}

void main();
