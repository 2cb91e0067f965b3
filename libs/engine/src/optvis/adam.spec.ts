import * as tf from '@tensorflow/tfjs';
import { useBackend } from './test-support/backend';
import { Adam } from './adam';
import { ownedVariable } from './variables';

describe('Adam', () => {
  beforeAll(() => useBackend('wasm'));

  it('takes the TensorFlow 1 steps (checked by hand-computed float64 updates) and frees its tensors', () => {
    const before = tf.memory().numTensors;
    const start = [1, -2, 0.5];
    const theta = ownedVariable(tf.tensor1d(start), true);
    const adam = new Adam(theta, 0.1);
    // loss = Σ θ³ / 3 + θ, gradient θ² + 1.
    const expected = [...start];
    const [m, v] = [[0, 0, 0], [0, 0, 0]];
    for (let t = 1; t <= 5; t++) {
      const loss = adam.minimize(() => tf.sum(tf.add(tf.div(tf.pow(theta, 3), 3), theta)) as tf.Scalar);
      expect(loss).toBeCloseTo(expected.reduce((s, x) => s + x ** 3 / 3 + x, 0), 4);
      const rate = (0.1 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      for (let i = 0; i < 3; i++) {
        const g = expected[i] ** 2 + 1;
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        expected[i] -= (rate * m[i]) / (Math.sqrt(v[i]) + 1e-8);
      }
      Array.from(theta.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
    }
    adam.dispose();
    theta.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
