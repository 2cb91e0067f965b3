import * as tf from '@tensorflow/tfjs';
import type { Transform } from './transform';

/** Pads every side by `width` pixels of a constant (Lucid: 0.5, mid-grey). */
export function pad(width: number, value = 0.5): Transform {
  return (images) =>
    tf.pad(
      images,
      [
        [0, 0],
        [width, width],
        [width, width],
        [0, 0],
      ],
      value,
    );
}
