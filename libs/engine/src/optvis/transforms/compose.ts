import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import type { Rng } from '../rng';
import { DEFAULT_FILL, type AffineStep, type Transform } from './transform';
import { composeMaps, warpAffine } from './warp';
import { pad } from './pad';
import { jitter } from './jitter';
import { randomScale } from './scale';
import { randomRotate } from './rotate';

/**
 * Applies transforms left to right. Consecutive geometric transforms are fused into one bilinear resampling
 * (their random draws still happen in order), which is faster and interpolates once instead of at every step.
 */
export function compose(transforms: readonly Transform[]): Transform {
  return (images: tf.Tensor4D, rng: Rng) =>
    tf.tidy(() => {
      let x = images;
      let pending: AffineStep | undefined;
      const flush = (): void => {
        if (pending) x = warpAffine(x, pending.map, pending.outSize, pending.fill ?? DEFAULT_FILL);
        pending = undefined;
      };
      for (const transform of transforms) {
        if (!transform.affine) {
          flush();
          x = transform(x, rng);
          continue;
        }
        const size: [number, number] = pending ? pending.outSize : [x.shape[1], x.shape[2]];
        const step = transform.affine(size, rng);
        if (pending && pending.fill !== undefined && step.fill !== undefined && pending.fill !== step.fill) flush();
        pending = pending ? { map: composeMaps(pending.map, step.map), outSize: step.outSize, fill: pending.fill ?? step.fill } : step;
      }
      flush();
      return x === images ? tf.clone(images) : x;
    });
}

/** Lucid's scales: 0.90 … 1.10 in steps of 0.02. */
export const STANDARD_SCALES: readonly number[] = Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50);

/** Lucid's angles: −10° … 10°, with 0° five more times. */
export const STANDARD_ANGLES: readonly number[] = [...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0];

/**
 * Lucid's standard transforms: pad 12 (0.5), jitter 8, random scale, random rotation, jitter 4. `pixelScale`
 * multiplies the pixel amounts (pad and jitters, at least 1 pixel each), so an image of another size than Lucid's
 * 128 px can get the same transforms relative to its size: `standardTransforms(size / 128)`.
 */
export function standardTransforms(pixelScale = 1): Transform[] {
  if (!(pixelScale > 0)) throw new MicroscopeError('INVALID_INPUT', `pixelScale must be positive, got ${pixelScale}`);
  const px = (n: number): number => Math.max(1, Math.round(n * pixelScale));
  return [pad(px(12), 0.5), jitter(px(8)), randomScale(STANDARD_SCALES), randomRotate(STANDARD_ANGLES, 0.5), jitter(px(4))];
}
