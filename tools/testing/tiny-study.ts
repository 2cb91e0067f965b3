import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodePng } from '@microscope/imaging';

/** A seeded generator (mulberry32) so the generated model and images are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TINY_INPUT = { height: 12, width: 12, channels: 1 } as const;

/** A small CNN with seeded weights: conv (relu) → max-pool → conv (linear) → global average → dense (softmax). */
export function tinyModel(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: seed * 100 + s });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: [12, 12, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), biasInitializer: init(2) }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 5, kernelSize: 3, padding: 'valid', kernelInitializer: init(3), biasInitializer: init(4) }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ name: 'out', units: 3, activation: 'softmax', kernelInitializer: init(5) }),
    ],
  });
}

/** A layers model as TF.js exports it, in memory: model.json and one weights file, by file name. */
export async function tfjsModelFiles(model: tf.LayersModel): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsFile = 'weights.bin';
      const json = {
        format: 'layers-model',
        generatedBy: 'microscope tests',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs }],
      };
      files.set('model.json', Buffer.from(JSON.stringify(json)));
      files.set(weightsFile, Buffer.from(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return files;
}

/** Saves a layers model as model.json + one weights file in `dir`; returns the model.json path. */
export async function saveTfjsModel(model: tf.LayersModel, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of await tfjsModelFiles(model)) await writeFile(path.join(dir, name), bytes);
  return path.join(dir, 'model.json');
}

/** Seeded grayscale images as PNG files named 000.png, 001.png, …; some repeat pixel values so top-k has ties. */
export async function writeProbeImages(dir: string, count: number, seed: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const random = seeded(seed);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const pixels = new Uint8Array(TINY_INPUT.height * TINY_INPUT.width).map(() => Math.floor(random() * 256));
    const file = path.join(dir, `${String(i).padStart(3, '0')}.png`);
    await writeFile(file, await encodePng(pixels, TINY_INPUT.width, TINY_INPUT.height, 1));
    files.push(file);
  }
  return files;
}
