import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import type { Transform } from './transform';

/** A random crop `d` pixels smaller in each dimension, offsets uniform in 0..d (Lucid's jitter). */
export function jitter(d: number): Transform {
  return (images, rng) => {
    const [, h, w] = images.shape;
    if (d >= h || d >= w) throw new MicroscopeError('INVALID_INPUT', `jitter ${d} does not fit a ${h}×${w} image`);
    const dy = rng.int(d + 1);
    const dx = rng.int(d + 1);
    return tf.slice(images, [0, dy, dx, 0], [-1, h - d, w - d, -1]);
  };
}
