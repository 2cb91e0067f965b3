import * as tf from '@tensorflow/tfjs';
import type { Transform } from './transform';

/**
 * Resizes by a factor picked from `scales` (Lucid's random_scale: the size is ⌊factor·size⌋). Bilinear resizing
 * has a gradient kernel on every backend, WASM included, but in TF.js 4.22 that gradient ignores
 * halfPixelCenters (wrong by finite differences), so corners are aligned instead: symmetric, and exact.
 */
export function randomScale(scales: readonly number[]): Transform {
  return (images, rng) => {
    const factor = rng.pick(scales);
    const [, h, w] = images.shape;
    const size: [number, number] = [Math.max(1, Math.floor(factor * h)), Math.max(1, Math.floor(factor * w))];
    if (size[0] === h && size[1] === w) return tf.clone(images);
    return tf.image.resizeBilinear(images, size, true, false);
  };
}
