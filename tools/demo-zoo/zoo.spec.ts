import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FASHION_PIXELS, loadFashionSplit } from './fashion-mnist';
import { readZooManifest } from './manifest';

/** Checks the committed zoo: manifest valid, files intact, every version loads and classifies. */
describe('the committed demo zoo', () => {
  const manifest = readZooManifest(__dirname);

  it('lists 2 architectures × 2 seeds × 3 checkpoints with unique labels per model and ordered ordinals', () => {
    expect(manifest.versions).toHaveLength(12);
    expect(new Set(manifest.versions.map((v) => v.architecture))).toEqual(new Set(['small-cnn', 'bn-cnn']));
    const byModel = new Map<string, typeof manifest.versions>();
    for (const v of manifest.versions) byModel.set(v.model, [...(byModel.get(v.model) ?? []), v]);
    expect(byModel.size).toBe(4);
    for (const versions of byModel.values()) {
      expect(versions.map((v) => v.ordinal)).toEqual([0, 1, 2]);
      expect(versions.map((v) => v.training.epoch)).toEqual([1, 3, 6]);
      expect(new Set(versions.map((v) => v.label)).size).toBe(3);
    }
  });

  it('has every file with the recorded size and SHA-256, each checkpoint under 200 KB', () => {
    for (const v of manifest.versions) {
      let total = 0;
      for (const f of v.files) {
        const bytes = readFileSync(join(__dirname, f.path));
        expect(bytes.byteLength).toBe(f.bytes);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
        total += f.bytes;
      }
      expect(total).toBeLessThan(200_000);
    }
  });

  it('loads every version and reproduces its recorded accuracy on a slice of the test split within sampling error', async () => {
    await tf.setBackend('cpu');
    const test = loadFashionSplit('test', 30);
    const x = tf.tensor4d(Float32Array.from(test.images, (p) => p / 255), [test.count, 28, 28, 1]);
    expect(test.images.length).toBe(test.count * FASHION_PIXELS);
    for (const v of manifest.versions) {
      const json = JSON.parse(readFileSync(join(__dirname, v.files[0].path), 'utf8'));
      const weights = Buffer.concat(v.files.slice(1).map((f) => readFileSync(join(__dirname, f.path))));
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: new Uint8Array(weights).buffer }),
      );
      const guesses = (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
      const hits = Array.from(guesses).filter((g, i) => g === test.labels[i]).length;
      // 300 images: a binomial standard error of at most ~2.9 points; allow 4 standard errors (chance is 10%).
      expect(Math.abs(hits / test.count - (v.training.accuracy ?? -1))).toBeLessThan(0.12);
      model.dispose();
    }
  });
});
