import * as tf from '@tensorflow/tfjs';
import type { ForwardFn } from '../render';
import { gabor, type PlantedNetwork } from './planted';

/** The units of `flatOptimaUnits`, in channel order. */
export const FLAT_OPTIMA = { darkness: 0, gatedDarkness: 1, edge: 2 } as const;

/**
 * Three hand-built units in one layer "units" (17×17 windows, valid), with known optima:
 * - darkness: −(local mean of the grey image), a linear unit whose best input is all black (value 0; grey −0.5);
 * - gatedDarkness: relu(0.2 − 0.8 · local mean), off on a grey image (so no gradient reaches it from a grey
 *   start) and at its best, 0.2, on an all-black one;
 * - edge: relu(Gabor filter at 30°), which no flat image drives (every flat image gives 0).
 */
export function flatOptimaUnits(): PlantedNetwork {
  const k = 17;
  const filter = tf.tensor4d(gabor(k, 30, 1 / 4, 4), [k, k, 1, 1]);
  const forward: ForwardFn = (images, layers) => {
    const outputs = tf.tidy(() => {
      const gray = tf.mean(images, 3, true) as tf.Tensor4D;
      const local = tf.avgPool(gray, k, 1, 'valid');
      const darkness = tf.neg(local);
      const gated = tf.relu(tf.sub(0.2, tf.mul(local, 0.8)));
      const edge = tf.relu(tf.conv2d(gray, filter, 1, 'valid'));
      const units = tf.concat([darkness, gated, edge], 3);
      return layers.map((l) => (l === 'units' ? units : tf.zeros([1])));
    });
    return new Map(layers.map((l, i) => [l, outputs[i]]));
  };
  return { forward, dispose: () => filter.dispose() };
}
