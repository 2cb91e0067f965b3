import * as tf from '@tensorflow/tfjs';
import { useBackend } from './test-support/backend';
import { FLAT_OPTIMA, flatOptimaUnits } from './test-support/flat-optima';
import { smallConvnet } from './test-support/planted';
import { unitBatch, unitBatchItemValues } from './objectives/unit-batch';
import { render, type RenderOptions } from './render';
import { renderWithRestarts, type RestartOptions } from './restarts';
import { standardTransforms } from './transforms/compose';

const mean = (pixels: Uint8Array): number => pixels.reduce((s, v) => s + v, 0) / pixels.length;

/** One image per unit of "units", each maximising its own unit. */
function unitsRender(forward: RenderOptions['forward'], units: number[], steps: number): [RenderOptions, RestartOptions] {
  const targets = units.map((unit, batch) => ({ batch, unit }));
  const options: RenderOptions = {
    forward,
    objectives: [unitBatch('units', targets)],
    batch: units.length,
    size: 32,
    channels: 1,
    steps,
    seed: 1,
    transforms: standardTransforms(32 / 128),
  };
  const restart: RestartOptions = {
    objectivesFor: (items) => [unitBatch('units', items.map((item, batch) => ({ batch, unit: units[item] })))],
    itemValues: unitBatchItemValues('units', targets),
  };
  return [options, restart];
}

describe('renderWithRestarts', () => {
  beforeAll(() => useBackend('wasm'));

  it('reaches the all-black optimum of darkness units within 64 steps, where a grey start does not', async () => {
    const net = flatOptimaUnits();
    const units = [FLAT_OPTIMA.darkness, FLAT_OPTIMA.gatedDarkness];
    const [options, restart] = unitsRender(net.forward, units, 64);
    const plain = await render(options);
    const result = await renderWithRestarts(options, restart);
    // From grey, the sigmoid's slow drift (linear unit) and a dead ReLU (gated unit) leave both far from black…
    expect(mean(plain.images[0])).toBeGreaterThan(40);
    expect(mean(plain.images[1])).toBeGreaterThan(100);
    // …while restarting from a flat black start gets there: the optimum is 0 and 0.2.
    expect(result.restarted).toEqual([0, 1]);
    expect(result.replaced).toEqual([0, 1]);
    for (const image of result.images) expect(mean(image)).toBeLessThan(10);
    expect(result.itemValues[0]).toBeGreaterThan(-0.02);
    expect(result.itemValues[1]).toBeGreaterThan(0.18);
    net.dispose();
  });

  it('keeps exactly the picture of a unit that no flat image beats, and never lowers an item', async () => {
    const net = flatOptimaUnits();
    const [options, restart] = unitsRender(net.forward, [FLAT_OPTIMA.edge, FLAT_OPTIMA.darkness], 24);
    const plain = await render(options);
    const result = await renderWithRestarts(options, restart);
    expect(result.restarted).toEqual([1]);
    expect(Buffer.from(result.images[0]).equals(Buffer.from(plain.images[0]))).toBe(true);
    expect(result.itemValues[0]).toBeGreaterThan(0.5);
    // The item values are those of the kept 8-bit pictures, each at least the first picture's.
    const firstValues = tf.tidy(() => unitBatchItemValues('units', [{ batch: 0, unit: FLAT_OPTIMA.edge }, { batch: 1, unit: FLAT_OPTIMA.darkness }])(
      net.forward(tf.tensor4d(Float32Array.from([...plain.images[0], ...plain.images[1]], (v) => v / 255), [2, 32, 32, 1]), ['units']),
      [0, 1],
    ).arraySync());
    result.itemValues.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(firstValues[i] - 1e-6));
    expect(result.values).toHaveLength(1);
    expect(result.objective).toBeCloseTo(result.itemValues[0] + result.itemValues[1], 4);
    net.dispose();
  });

  it('is deterministic, and gives a unit the same picture alone as in a batch', async () => {
    const net = flatOptimaUnits();
    const [options, restart] = unitsRender(net.forward, [FLAT_OPTIMA.edge, FLAT_OPTIMA.gatedDarkness], 12);
    const seeds = [5, 6];
    const a = await renderWithRestarts({ ...options, itemSeeds: seeds }, restart);
    const b = await renderWithRestarts({ ...options, itemSeeds: seeds }, restart);
    a.images.forEach((image, i) => expect(Buffer.from(image).equals(Buffer.from(b.images[i]))).toBe(true));
    const [aloneOptions, aloneRestart] = unitsRender(net.forward, [FLAT_OPTIMA.gatedDarkness], 12);
    const alone = await renderWithRestarts({ ...aloneOptions, itemSeeds: [6] }, aloneRestart);
    expect(alone.restarted).toEqual([0]);
    const diff = alone.images[0].reduce((m, v, i) => Math.max(m, Math.abs(v - a.images[1][i])), 0);
    expect(diff).toBeLessThanOrEqual(1);
    net.dispose();
  });

  it('refuses initial and reference images, and frees every tensor it made', async () => {
    const net = smallConvnet(1);
    const targets = [{ batch: 0, unit: 1 }];
    const restart: RestartOptions = { objectivesFor: () => [unitBatch('conv2', targets)], itemValues: unitBatchItemValues('conv2', targets) };
    const options: RenderOptions = { forward: net.forward, objectives: [unitBatch('conv2', targets)], size: 16, channels: 1, steps: 3 };
    await expect(renderWithRestarts({ ...options, init: new Float32Array(256).fill(0.5) }, restart)).rejects.toThrow(/flat images/);
    const before = tf.memory().numTensors;
    await renderWithRestarts(options, { ...restart, levels: [0, 0.5, 1] });
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
