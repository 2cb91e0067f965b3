import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { warpAffine, type AffineMap } from './warp';

/** One geometric transform for an input of a given size: where each output pixel reads, and the output size. */
export interface AffineStep {
  map: AffineMap;
  outSize: [number, number];
  /** Value read from outside the input; undefined when the step never reads outside (crops). */
  fill?: number;
}

/**
 * A differentiable image transform applied before every forward pass. Random choices come from `rng` (never from
 * TF.js), so a render is reproducible; the same draw applies to every image of the batch, as in Lucid. Geometric
 * transforms also describe themselves as an affine step, so `compose` can fuse a run of them into one resampling.
 */
export interface Transform {
  (images: tf.Tensor4D, rng: Rng): tf.Tensor4D;
  readonly affine?: (size: [number, number], rng: Rng) => AffineStep;
}

/** Outside reads of a step without its own fill value. */
export const DEFAULT_FILL = 0.5;

/** A transform from its affine step: applied alone, it is one bilinear resampling. */
export function affineTransform(step: (size: [number, number], rng: Rng) => AffineStep): Transform {
  const apply = (images: tf.Tensor4D, rng: Rng): tf.Tensor4D => {
    const s = step([images.shape[1], images.shape[2]], rng);
    return warpAffine(images, s.map, s.outSize, s.fill ?? DEFAULT_FILL);
  };
  return Object.assign(apply, { affine: step });
}
