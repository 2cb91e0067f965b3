import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FashionSplit } from '../demo-zoo/fashion-mnist';
import { ARCHITECTURES, buildModel, type Architecture } from './architectures';
import { installFastCpuKernels } from './fast-cpu-kernels';
import { mulberry32 } from './prng';
import { MODEL_JSON, saveLayersModel, WEIGHTS_BIN } from './save-layers-model';
import { accuracy, trainRun, type RunPlan } from './train-run';

/** A synthetic, learnable split: class c is a bright horizontal bar at row 2c + 4 on noise. */
function syntheticSplit(count: number, seed: number): FashionSplit {
  const random = mulberry32(seed);
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.floor(random() * 60);
    for (let x = 0; x < 28; x++) images[i * 784 + (2 * label + 4) * 28 + x] = 255;
  }
  return { count, images, labels };
}

async function trainToFiles(architecture: Architecture, seed: number, dir: string): Promise<{ accuracies: number[]; steps: number[] }> {
  const plan: RunPlan = { architecture, seed, epochs: 2, checkpointEpochs: [1, 2], batchSize: 16, learningRate: 3e-3 };
  const accuracies: number[] = [];
  const steps: number[] = [];
  await trainRun(plan, syntheticSplit(40, 1), syntheticSplit(20, 2), {
    onCheckpoint: async ({ model, epoch, step, testAccuracy }) => {
      await saveLayersModel(model, join(dir, `epoch-${epoch}`));
      accuracies.push(testAccuracy);
      steps.push(step);
    },
  });
  return { accuracies, steps };
}

describe('training a zoo run', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    installFastCpuKernels();
    dir = mkdtempSync(join(tmpdir(), 'train-zoo-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(ARCHITECTURES.map((a) => [a]))('%s: same seed → byte-identical checkpoints; another seed → different weights', async (architecture) => {
    const first = await trainToFiles(architecture, 5, join(dir, architecture, 'a'));
    const again = await trainToFiles(architecture, 5, join(dir, architecture, 'b'));
    const other = await trainToFiles(architecture, 6, join(dir, architecture, 'c'));
    expect(first.steps).toEqual([3, 6]);
    expect(again).toEqual(first);
    for (const epoch of [1, 2]) {
      const read = (run: string, file: string) => readFileSync(join(dir, architecture, run, `epoch-${epoch}`, file));
      expect(read('b', WEIGHTS_BIN).equals(read('a', WEIGHTS_BIN))).toBe(true);
      expect(read('b', MODEL_JSON).equals(read('a', MODEL_JSON))).toBe(true);
      expect(read('c', WEIGHTS_BIN).equals(read('a', WEIGHTS_BIN))).toBe(false);
    }
  });

  it('saved files load back into a model that predicts exactly as the original', async () => {
    const model = buildModel('bn-cnn', 3);
    const target = join(dir, 'roundtrip');
    const saved = await saveLayersModel(model, target);
    expect(saved.files).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const json = JSON.parse(readFileSync(join(target, MODEL_JSON), 'utf8'));
    // Weight names are the layers' own, without the "_1" suffixes tfjs adds to variables of later models.
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('conv1/kernel');
    const weights = readFileSync(join(target, WEIGHTS_BIN));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 9);
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    const actual = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(actual)).toEqual(Array.from(expected));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
  });

  it('accuracy counts argmax hits', () => {
    const split = syntheticSplit(10, 4);
    const model = buildModel('small-cnn', 1);
    const predictions = (model.predict(tf.tensor4d(Float32Array.from(split.images, (v) => v / 255), [10, 28, 28, 1])) as tf.Tensor).argMax(-1).dataSync();
    const hits = Array.from(predictions).filter((p, i) => p === split.labels[i]).length;
    expect(accuracy(model, split, 3)).toBeCloseTo(hits / 10, 12);
  });
});
