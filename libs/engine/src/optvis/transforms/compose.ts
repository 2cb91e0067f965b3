import * as tf from '@tensorflow/tfjs';
import type { Transform } from './transform';
import { pad } from './pad';
import { jitter } from './jitter';
import { randomScale } from './scale';
import { randomRotate } from './rotate';

/** Applies transforms left to right. */
export function compose(transforms: readonly Transform[]): Transform {
  return (images, rng) =>
    tf.tidy(() => {
      let t = images;
      for (const transform of transforms) t = transform(t, rng);
      return t === images ? tf.clone(images) : t;
    });
}

/** Lucid's scales: 0.90 … 1.10 in steps of 0.02. */
export const STANDARD_SCALES: readonly number[] = Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50);

/** Lucid's angles: −10° … 10°, with 0° five more times. */
export const STANDARD_ANGLES: readonly number[] = [...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0];

/**
 * Lucid's standard transforms: pad 12 (0.5), jitter 8, random scale, random rotation, jitter 4. Rotation fills
 * with mid-grey like the padding (Lucid's fills with black).
 */
export function standardTransforms(): Transform[] {
  return [pad(12, 0.5), jitter(8), randomScale(STANDARD_SCALES), randomRotate(STANDARD_ANGLES, 0.5), jitter(4)];
}
