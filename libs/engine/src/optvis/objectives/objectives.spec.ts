import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support/backend';
import { smallConvnet } from '../test-support/planted';
import { Rng } from '../rng';
import { negative, product, scaled, sum, type Activations, type Objective } from './objective';
import { caricature, channel, deepdream, direction, neuron } from './units';
import { diversity } from './diversity';
import { unitBatch, unitBatchItemValues } from './unit-batch';

const value = (o: Objective, acts: Activations): number => tf.tidy(() => o.evaluate(acts).dataSync()[0]);

describe('objectives', () => {
  beforeAll(() => useBackend('wasm'));

  // [2, 3, 4, 2]: item b, position (y, x), channel c holds b·100 + y·10 + x + c/10.
  const values = Float32Array.from({ length: 2 * 3 * 4 * 2 }, (_, i) => {
    const [b, y, x, c] = [Math.floor(i / 24), Math.floor(i / 8) % 3, Math.floor(i / 2) % 4, i % 2];
    return b * 100 + y * 10 + x + c / 10;
  });
  let acts: Map<string, tf.Tensor>;
  beforeAll(() => {
    acts = new Map<string, tf.Tensor>([
      ['conv', tf.tensor4d(values, [2, 3, 4, 2])],
      ['dense', tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3])],
    ]);
  });
  afterAll(() => acts.forEach((t) => t.dispose()));

  it('channel: the mean of one channel, for one item or the batch', () => {
    expect(value(channel('conv', 1, { batch: 1 }), acts)).toBeCloseTo(100 + 10 + 1.5 + 0.1, 4);
    expect(value(channel('conv', 0), acts)).toBeCloseTo(50 + 10 + 1.5, 4);
    expect(value(channel('dense', 2, { batch: 0 }), acts)).toBeCloseTo(3);
  });

  it('neuron: the centre position by default, or a given one', () => {
    expect(value(neuron('conv', 0, { batch: 0 }), acts)).toBeCloseTo(10 + 2, 4); // (⌊3/2⌋, ⌊4/2⌋)
    expect(value(neuron('conv', 1, { batch: 1, y: 2, x: 0 }), acts)).toBeCloseTo(120.1, 4);
    expect(value(neuron('dense', 1, { batch: 1 }), acts)).toBeCloseTo(5);
    expect(() => value(neuron('conv', 0, { y: 3 }), acts)).toThrow(/outside/);
  });

  it('direction: the mean dot product with a channel-space vector', () => {
    expect(value(direction('conv', [1, -1], { batch: 0 }), acts)).toBeCloseTo(-0.1, 4);
    expect(value(direction('dense', [1, 0, 1], { batch: 1 }), acts)).toBeCloseTo(10);
    expect(() => value(direction('conv', [1, 2, 3]), acts)).toThrow(/3 components/);
  });

  it('deepdream: the mean square of the layer', () => {
    const expected = Array.from(values.slice(0, 24)).reduce((s, v) => s + v * v, 0) / 24;
    expect(value(deepdream('conv', { batch: 0 }), acts)).toBeCloseTo(expected, 1);
  });

  it('caricature: the dot product with the reference item', () => {
    const expected = Array.from(values.slice(0, 24)).reduce((s, v, i) => s + v * values[24 + i], 0);
    expect(value(caricature('conv', { batch: 0, reference: 1 }), acts) / expected).toBeCloseTo(1, 5);
  });

  it('combines with sum, product, scalar weights and negation', () => {
    const a = channel('dense', 0, { batch: 0 }); // 1
    const b = channel('dense', 1, { batch: 1 }); // 5
    expect(value(sum(a, b), acts)).toBeCloseTo(6);
    expect(value(product(a, b), acts)).toBeCloseTo(5);
    expect(value(scaled(-2, b), acts)).toBeCloseTo(-10);
    expect(value(negative(b), acts)).toBeCloseTo(-5);
    expect(sum(a, b).items).toEqual([0, 1]);
    expect(sum(a, channel('dense', 0)).items).toBeUndefined();
    expect(() => value(channel('missing', 0), acts)).toThrow(/no activations for layer "missing"/);
  });

  it('diversity: n − 1 for identical images, 0 for images with orthogonal Gram matrices, in between otherwise', () => {
    const same = tf.tensor4d(Array.from({ length: 3 }, () => [1, 2, 3, 4, 5, 6, 7, 8]).flat(), [3, 2, 2, 2]);
    expect(value(diversity('l'), new Map([['l', same]]))).toBeCloseTo(2, 5);
    // One image uses only channel 0, the other only channel 1: their Gram matrices do not overlap.
    const disjoint = tf.tensor4d([1, 0, 2, 0, 3, 0, 4, 0, 0, 1, 0, 2, 0, 3, 0, 4], [2, 2, 2, 2]);
    expect(value(diversity('l'), new Map([['l', disjoint]]))).toBeCloseTo(0, 5);
    const random = tf.tensor4d(new Rng(1).normals(4 * 3 * 3 * 5, 1), [4, 3, 3, 5]);
    const mixed = value(diversity('l'), new Map([['l', random]]));
    expect(mixed).toBeGreaterThan(0);
    expect(mixed).toBeLessThan(3);
    // Restricted to items 0 and 2 of a batch where those two are identical: maximal for two, 1.
    const partly = tf.concat([same.slice([0], [1]), random.slice([0, 0, 0, 0], [1, 2, 2, 2]), same.slice([0], [1])]);
    expect(value(diversity('l', { items: [0, 2] }), new Map([['l', partly]]))).toBeCloseTo(1, 5);
    tf.dispose([same, disjoint, random, partly]);
  });

  it('a batch of N units in one pass has the gradients of N separate single-unit objectives', () => {
    const net = smallConvnet(3, 7);
    const [n, size] = [4, 12];
    const images = tf.tensor4d(new Rng(2).normals(n * size * size * 3, 0.3).map((v) => v + 0.5), [n, size, size, 3]);
    const unitObjective = (unit: number, batch: number): Objective => (unit % 2 ? channel('conv3', unit, { batch }) : neuron('conv2', unit, { batch }));
    const gradient = (o: Objective, x: tf.Tensor4D): Float32Array =>
      tf.tidy(() => tf.grad((t: tf.Tensor) => o.evaluate(net.forward(t as tf.Tensor4D, [...o.layers])))(x).dataSync() as Float32Array);

    const together = sum(...Array.from({ length: n }, (_, i) => unitObjective(i, i)));
    const batched = gradient(together, images);
    const per = size * size * 3;
    for (let i = 0; i < n; i++) {
      const alone = tf.slice(images, [i, 0, 0, 0], [1, -1, -1, -1]);
      const single = gradient(unitObjective(i, 0), alone);
      alone.dispose();
      const slice = batched.slice(i * per, (i + 1) * per);
      const scale = Math.max(...single.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      let worst = 0;
      for (let j = 0; j < per; j++) worst = Math.max(worst, Math.abs(slice[j] - single[j]));
      expect(worst / scale).toBeLessThan(1e-5);
    }
    images.dispose();
    net.dispose();
  });

  it('unitBatch: the value and gradient of the sum of per-item channel / neuron objectives, weights included', () => {
    const net = smallConvnet(3, 7);
    const [n, size] = [5, 12];
    const images = tf.tensor4d(new Rng(3).normals(n * size * size * 3, 0.3).map((v) => v + 0.5), [n, size, size, 3]);
    const targets = [
      { batch: 0, unit: 2 },
      { batch: 1, unit: 0, weight: -1 },
      { batch: 3, unit: 2 },
      { batch: 4, unit: 1, weight: 0.5 },
    ];
    for (const [reduce, layer] of [['channel', 'conv3'], ['neuron', 'conv2']] as const) {
      const single = reduce === 'channel' ? channel : neuron;
      const separate = sum(...targets.map((t) => scaled(t.weight ?? 1, single(layer, t.unit, { batch: t.batch }))));
      const batched = unitBatch(layer, targets, { reduce });
      expect(batched.items).toEqual([0, 1, 3, 4]);
      const evaluate = (o: Objective) =>
        tf.tidy(() => {
          const f = (t: tf.Tensor) => o.evaluate(net.forward(t as tf.Tensor4D, [layer]));
          return { value: f(images).dataSync()[0], gradient: tf.grad(f)(images).dataSync() as Float32Array };
        });
      const want = evaluate(separate);
      const got = evaluate(batched);
      expect(got.value).toBeCloseTo(want.value, 4);
      const scale = Math.max(...want.gradient.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      let worst = 0;
      for (let j = 0; j < want.gradient.length; j++) worst = Math.max(worst, Math.abs(got.gradient[j] - want.gradient[j]));
      expect(worst / scale).toBeLessThan(1e-5);
    }
    expect(() => value(unitBatch('conv', [{ batch: 0, unit: 5 }]), acts)).toThrow(/outside conv's 2 channels/);
    expect(value(unitBatch('dense', [{ batch: 1, unit: 2 }, { batch: 0, unit: 0, weight: 2 }]), acts)).toBeCloseTo(6 + 2);
    images.dispose();
    net.dispose();
  });

  it('unitBatchItemValues: each row its own targets, for a batch whose rows are chosen items of the original', () => {
    const targets = [
      { batch: 0, unit: 1 },
      { batch: 1, unit: 0, weight: -1 },
      { batch: 1, unit: 1, weight: 2 },
    ];
    const rows = (items: number[], layer = 'conv', reduce: 'channel' | 'neuron' = 'channel') =>
      tf.tidy(() => Array.from(unitBatchItemValues(layer, targets, { reduce })(acts, items).dataSync()));
    const channelOf = (b: number, c: number) => b * 100 + 10 + 1.5 + c / 10;
    const own = [channelOf(0, 1), -channelOf(1, 0) + 2 * channelOf(1, 1)];
    const full = rows([0, 1]);
    full.forEach((v, i) => expect(v).toBeCloseTo(own[i], 3));
    // Row 0 of the activations now stands for original item 1 (and is read as such), row 1 for item 0.
    const swapped = rows([1, 0]);
    expect(swapped[0]).toBeCloseTo(-channelOf(0, 0) + 2 * channelOf(0, 1), 3);
    expect(swapped[1]).toBeCloseTo(channelOf(1, 1), 3);
    // Their sum is the batched objective's value; the centre neuron (1, 2) for 'neuron'.
    expect(full[0] + full[1]).toBeCloseTo(value(unitBatch('conv', targets), acts), 3);
    expect(rows([0, 1], 'conv', 'neuron')[0]).toBeCloseTo(10 + 2 + 0.1, 4);
    expect(rows([0, 1], 'dense')).toEqual([2, -4 + 2 * 5]);
  });
});
