import * as tf from '@tensorflow/tfjs';
import { useBackend } from './test-support/backend';
import { orientedUnits, smallConvnet } from './test-support/planted';
import { caricature, channel, deepdream, neuron } from './objectives/units';
import { diversity } from './objectives/diversity';
import { scaled } from './objectives/objective';
import { render, type ForwardFn } from './render';
import { dominantOrientation, orientationDifference } from './spectrum';
import { Rng } from './rng';

describe('render', () => {
  beforeAll(() => useBackend('wasm'));

  it("visualises planted grating detectors: each image's dominant orientation is within ±10° of its unit's", async () => {
    const planted = [30, 125];
    const net = orientedUnits(planted);
    const size = 64;
    const result = await render({
      forward: net.forward,
      objectives: planted.map((_, u) => channel('edges', u, { batch: u })),
      batch: planted.length,
      size,
      steps: 48,
      seed: 3,
    });
    const grey = tf.tidy(() => net.forward(tf.fill([1, size, size, 3], 0.5) as tf.Tensor4D, ['edges']).get('edges')!.mean().dataSync()[0]);
    result.images.forEach((pixels, u) => {
      expect(pixels.length).toBe(size * size * 3);
      const found = dominantOrientation(pixels, size, size, 3);
      expect(orientationDifference(found.degrees, planted[u])).toBeLessThanOrEqual(10);
      expect(result.values[u]).toBeGreaterThan(grey + 0.5);
    });
    net.dispose();
  });

  it('is deterministic for a seed, and a different seed gives different images', async () => {
    const net = smallConvnet(3);
    const options = { forward: net.forward, objectives: [channel('conv2', 1)], size: 24, steps: 4 };
    const [a, b, c] = [await render({ ...options, seed: 5 }), await render({ ...options, seed: 5 }), await render({ ...options, seed: 6 })];
    expect(Buffer.from(a.images[0]).equals(Buffer.from(b.images[0]))).toBe(true);
    expect(a.values).toEqual(b.values);
    expect(Buffer.from(a.images[0]).equals(Buffer.from(c.images[0]))).toBe(false);
    net.dispose();
  });

  it("renders a unit the same in a batch of several units as alone (per-item seeds, per-item objectives)", async () => {
    const net = smallConvnet(3);
    const common = { forward: net.forward, size: 24, steps: 6, seed: 9 };
    const together = await render({ ...common, batch: 3, itemSeeds: [11, 22, 33], objectives: [0, 3, 5].map((u, i) => channel('conv3', u, { batch: i })) });
    const alone = await render({ ...common, batch: 1, itemSeeds: [22], objectives: [channel('conv3', 3, { batch: 0 })] });
    const diff = together.images[1].reduce((m, v, i) => Math.max(m, Math.abs(v - alone.images[0][i])), 0);
    expect(diff).toBeLessThanOrEqual(1);
    expect(together.values[1]).toBeCloseTo(alone.values[0], 3);
    net.dispose();
  });

  it('reports progress every step and increases the objective', async () => {
    const net = smallConvnet(1);
    const steps: number[] = [];
    const objectives: number[] = [];
    const result = await render({
      forward: net.forward,
      objectives: [neuron('conv3', 2)],
      channels: 1,
      size: 20,
      steps: 12,
      onProgress: (p) => {
        steps.push(p.step);
        objectives.push(p.objective);
      },
    });
    expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(objectives[11]).toBeGreaterThan(objectives[0]);
    expect(result.images[0].length).toBe(20 * 20);
    expect(result.channels).toBe(1);
    net.dispose();
  });

  it('feeds a fixed input size when asked, and checks objectives against the batch', async () => {
    const net = smallConvnet(3);
    const seen: number[][] = [];
    const forward: ForwardFn = (x, layers) => {
      seen.push(x.shape);
      return net.forward(x, layers);
    };
    await render({ forward, objectives: [deepdream('conv1')], size: 20, steps: 2, inputSize: [16, 16] });
    expect(seen.every((s) => s[1] === 16 && s[2] === 16)).toBe(true);
    await expect(render({ forward: net.forward, objectives: [channel('conv1', 0, { batch: 2 })], batch: 2, size: 16, steps: 1 })).rejects.toThrow(
      /reads batch item 2/,
    );
    net.dispose();
  });

  it('starts from an image and optimises a caricature against it as a reference', async () => {
    const net = smallConvnet(3);
    const size = 20;
    const rng = new Rng(8);
    const photo = Float32Array.from({ length: size * size * 3 }, () => 0.2 + 0.6 * rng.next());
    const untouched = await render({ forward: net.forward, objectives: [deepdream('conv2')], size, steps: 0, init: photo });
    const worst = untouched.images[0].reduce((m, v, i) => Math.max(m, Math.abs(v / 255 - photo[i])), 0);
    expect(worst).toBeLessThan(0.003);

    const options = { forward: net.forward, objectives: [caricature('conv2', { batch: 0, reference: 1 })], size, init: photo, references: photo, transforms: [] };
    const before = await render({ ...options, steps: 0 });
    const after = await render({ ...options, steps: 10 });
    expect(after.values[0]).toBeGreaterThan(before.values[0]);
    net.dispose();
  });

  it('makes a batch of one unit diverse when diversity is penalised', async () => {
    const net = smallConvnet(3);
    const common = { forward: net.forward, batch: 3, size: 20, steps: 8, seed: 2 };
    const plain = await render({ ...common, objectives: [channel('conv2', 0), scaled(0, diversity('conv2'))] });
    const diverse = await render({ ...common, objectives: [channel('conv2', 0), scaled(-10, diversity('conv2'))] });
    expect(diverse.values[1]).toBeLessThan(plain.values[1]);
    net.dispose();
  });

  it('frees every tensor it made', async () => {
    const net = smallConvnet(3);
    const before = tf.memory().numTensors;
    await render({ forward: net.forward, objectives: [channel('conv2', 0, { batch: 0 }), scaled(-1, diversity('conv2'))], batch: 2, size: 16, steps: 3 });
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('stops when aborted', async () => {
    const net = smallConvnet(3);
    const controller = new AbortController();
    const run = render({ forward: net.forward, objectives: [channel('conv1', 0)], size: 16, steps: 50, signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() });
    await expect(run).rejects.toThrow();
    net.dispose();
  });
});
