import * as tf from '@tensorflow/tfjs';
import { float64CrossProduct } from './float64-cross-product';
import { columnsOf } from './operand';
import { randomMatrix } from './testing/random';
import { fastestCrossProduct, tfjsCrossProduct } from './tfjs-cross-product';

describe('tfjsCrossProduct', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('agrees with the float64 kernel to float32 precision, with transforms applied', () => {
    const a = randomMatrix(700, 9, 1);
    const b = randomMatrix(700, 6, 2);
    const shift = Float64Array.from({ length: 9 }, (_, i) => i);
    const left = columnsOf(a, { start: 2, end: 9, shift });
    const right = columnsOf(b);
    const expected = float64CrossProduct(left, right);
    const actual = tfjsCrossProduct(left, right);
    expect(actual).toHaveLength(expected.length);
    const scale = Math.max(...expected.map(Math.abs));
    for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-5 * scale);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('prefers the float64 kernel on the pure-JavaScript cpu backend', () => {
    expect(tf.getBackend()).toBe('cpu');
    expect(fastestCrossProduct()).toBe(float64CrossProduct);
  });
});
