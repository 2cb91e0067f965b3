import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

/**
 * A differentiable image transform applied before every forward pass. Random choices come from `rng` (never from
 * TF.js), so a render is reproducible; the same draw applies to every image of the batch, as in Lucid.
 */
export type Transform = (images: tf.Tensor4D, rng: Rng) => tf.Tensor4D;
