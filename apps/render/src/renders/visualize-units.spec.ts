import * as tf from '@tensorflow/tfjs';
import type { optvis } from '@microscope/engine';
import { visualizeUnits, type RenderedUnit, type VisualizeUnitsOptions } from './visualize-units';

/**
 * Layer "units" over 5×5 windows (valid) of a grey image: 0 = darkness (−local mean: best all black, worst all
 * white), 1 = a vertical edge detector behind a ReLU (every flat image gives 0).
 */
function handBuilt(): { forward: optvis.ForwardFn; dispose(): void } {
  const edge = tf.tensor4d(Array.from({ length: 25 }, (_, i) => ((i % 5) < 2 ? 1 : (i % 5) > 2 ? -1 : 0)), [5, 5, 1, 1]);
  const forward: optvis.ForwardFn = (images, layers) => {
    const units = tf.tidy(() => {
      const gray = tf.mean(images, 3, true) as tf.Tensor4D;
      return tf.concat([tf.neg(tf.avgPool(gray, 5, 1, 'valid')), tf.relu(tf.conv2d(gray, edge, 1, 'valid'))], 3);
    });
    return new Map(layers.map((l) => [l, l === 'units' ? units : tf.zeros([1])]));
  };
  return { forward, dispose: () => edge.dispose() };
}

async function renderAll(options: VisualizeUnitsOptions): Promise<RenderedUnit[]> {
  const out: RenderedUnit[] = [];
  for await (const batch of visualizeUnits(options)) out.push(...batch);
  return out;
}

const mean = (pixels: Uint8Array): number => pixels.reduce((s, v) => s + v, 0) / pixels.length;

describe('visualizeUnits', () => {
  const net = handBuilt();
  afterAll(() => net.dispose());
  const common = { forward: net.forward, layer: 'units', steps: 40, size: 20, learningRate: 0.05, seed: 3, channels: 1, inputSize: [16, 16] as [number, number] };

  it('restarts a unit that a flat image beats from that image, and renders each unit alike in any batch', async () => {
    const together = await renderAll({ ...common, units: [0, 1], objective: 'channel', imagesPerBatch: 2 });
    const apart = await renderAll({ ...common, units: [0, 1], objective: 'channel', imagesPerBatch: 1 });
    expect(together.map((r) => r.restart)).toEqual(['replaced', undefined]);
    expect(mean(together[0].pixels)).toBeLessThan(12);
    together.forEach((r, i) => {
      const diff = r.pixels.reduce((m, v, p) => Math.max(m, Math.abs(v - apart[i].pixels[p])), 0);
      expect(diff).toBeLessThanOrEqual(1);
    });
  });

  it('restarts a negative picture from the flat image at the other extreme', async () => {
    const [dark] = await renderAll({ ...common, units: [0], objective: 'negative', imagesPerBatch: 1 });
    expect(dark.restart).toBe('replaced');
    expect(mean(dark.pixels)).toBeGreaterThan(243);
  });

  it('leaves diversity pictures, whose images share one objective, without restarts', async () => {
    const [picture] = await renderAll({ ...common, steps: 4, units: [0], objective: 'diversity', imagesPerBatch: 4 });
    expect(picture.restart).toBeUndefined();
    expect([picture.height, picture.width]).toEqual([40, 40]);
  });
});
