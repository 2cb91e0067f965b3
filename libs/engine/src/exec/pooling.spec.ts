import * as tf from '@tensorflow/tfjs';
import { poolChannels } from './pooling';
import { useBackend } from './test-support/backend';

/** Mean, max and first arg-max per image and channel by plain loops. */
function brute(data: Float32Array, [n, h, w, c]: number[]) {
  const mean = new Float32Array(n * c);
  const max = new Float32Array(n * c).fill(-Infinity);
  const y = new Int32Array(n * c);
  const x = new Int32Array(n * c);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let r = 0; r < h; r++)
        for (let q = 0; q < w; q++) {
          const v = data[((i * h + r) * w + q) * c + ch];
          sum += v;
          if (v > max[i * c + ch]) {
            max[i * c + ch] = v;
            y[i * c + ch] = r;
            x[i * c + ch] = q;
          }
        }
      mean[i * c + ch] = sum / (h * w);
    }
  return { mean, max, y, x };
}

describe('poolChannels', () => {
  beforeAll(() => useBackend('wasm'));

  it('matches brute force on a 4-D activation, image-major', () => {
    const shape: [number, number, number, number] = [3, 5, 7, 4];
    const t = tf.randomNormal(shape, 0, 1, 'float32', 12) as tf.Tensor4D;
    const got = poolChannels(t);
    const want = brute(t.dataSync() as Float32Array, shape);
    expect(got).toMatchObject({ images: 3, channels: 4, height: 5, width: 7 });
    got.mean.forEach((v, i) => expect(v).toBeCloseTo(want.mean[i], 5));
    expect(Array.from(got.max)).toEqual(Array.from(want.max));
    expect(Array.from(got.argmaxY)).toEqual(Array.from(want.y));
    expect(Array.from(got.argmaxX)).toEqual(Array.from(want.x));
    expect(t.isDisposed).toBe(false);
  });

  it('takes the first maximum on ties and treats dense outputs as a 1×1 grid', () => {
    const ties = tf.tensor4d([0, 5, 5, 1, 5, 2], [1, 2, 3, 1]);
    const got = poolChannels(ties);
    expect([got.argmaxY[0], got.argmaxX[0]]).toEqual([0, 1]);

    const dense = tf.tensor2d([[1, -2, 3], [4, 5, -6]]);
    const d = poolChannels(dense);
    expect(d).toMatchObject({ images: 2, channels: 3, height: 1, width: 1 });
    expect(Array.from(d.mean)).toEqual([1, -2, 3, 4, 5, -6]);
    expect(Array.from(d.max)).toEqual([1, -2, 3, 4, 5, -6]);
    expect(Array.from(d.argmaxY)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('leaves no tensors behind', () => {
    const t = tf.randomNormal([2, 3, 3, 2]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    poolChannels(t);
    expect(tf.memory().numTensors).toBe(before);
  });
});
