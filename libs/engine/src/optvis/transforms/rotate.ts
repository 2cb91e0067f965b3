import * as tf from '@tensorflow/tfjs';
import type { Transform } from './transform';

/**
 * Differentiable rotation without gather (whose gradient kernel WASM lacks) and without per-row matrices (batched
 * matmul runs ~12× slower than a plain one on WASM): Paeth's three shears, each a per-row shift with linear
 * interpolation built from pad, slice, concat and element-wise ops, all of which have WASM gradients.
 *
 * Angles are in degrees, counter-clockwise as seen on screen. Pixels from outside the image take `fill`.
 */
export function rotate(images: tf.Tensor4D, degrees: number, fill = 0.5): tf.Tensor4D {
  if (degrees === 0) return tf.clone(images);
  const phi = (degrees * Math.PI) / 180;
  // The sampling map q = R(φ)·p (p = output pixel, q = where it reads, y down) factors as X(a)·Y(b)·X(a).
  const a = -Math.tan(phi / 2);
  const b = Math.sin(phi);
  return tf.tidy(() => {
    const first = shear(images, 'x', a, fill);
    const second = shear(first, 'y', b, fill);
    return shear(second, 'x', a, fill);
  });
}

/** Rotation by an angle picked from `degrees` (Lucid's list repeats 0 to weight it). */
export function randomRotate(degrees: readonly number[], fill = 0.5): Transform {
  return (images, rng) => rotate(images, rng.pick(degrees), fill);
}

/**
 * Sampling shear: along 'x', out[y, x] = in[y, x + k·(y − cy)]; along 'y', out[y, x] = in[y + k·(x − cx), x].
 * Each row (column) is shifted by an integer part, via slices of a padded copy grouped into bands of equal shift,
 * then blended with its one-pixel neighbour by the fractional part.
 */
export function shear(images: tf.Tensor4D, axis: 'x' | 'y', k: number, fill: number): tf.Tensor4D {
  const along = axis === 'x' ? 2 : 1;
  const across = axis === 'x' ? 1 : 2;
  const lengthAlong = images.shape[along];
  const lengthAcross = images.shape[across];
  const centre = (lengthAcross - 1) / 2;
  const shifts = Array.from({ length: lengthAcross }, (_, i) => k * (i - centre));
  const whole = shifts.map(Math.floor);
  const margin = Math.max(1, ...whole.map((n) => Math.max(-n, n + 1)));
  return tf.tidy(() => {
    const padding: Array<[number, number]> = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    padding[along] = [margin, margin];
    const padded = tf.pad(images, padding, fill);
    // Bands of consecutive rows with the same integer shift n read padded[n + margin … n + margin + length].
    const bands: tf.Tensor4D[] = [];
    for (let start = 0; start < lengthAcross; ) {
      let end = start + 1;
      while (end < lengthAcross && whole[end] === whole[start]) end++;
      const begin = [0, 0, 0, 0];
      const size = [-1, -1, -1, -1];
      begin[across] = start;
      size[across] = end - start;
      begin[along] = whole[start] + margin;
      size[along] = lengthAlong + 1;
      bands.push(tf.slice(padded, begin, size));
      start = end;
    }
    const extended = bands.length === 1 ? bands[0] : tf.concat(bands, across); // one extra pixel along the shear
    const sizeA = [-1, -1, -1, -1];
    sizeA[along] = lengthAlong;
    const beginB = [0, 0, 0, 0];
    beginB[along] = 1;
    const atWhole = tf.slice(extended, [0, 0, 0, 0], sizeA);
    const atNext = tf.slice(extended, beginB, sizeA);
    const fractionShape = [1, 1, 1, 1];
    fractionShape[across] = lengthAcross;
    const fraction = tf.tensor(
      shifts.map((s, i) => s - whole[i]),
      fractionShape,
    );
    return tf.add(atWhole, tf.mul(fraction, tf.sub(atNext, atWhole))) as tf.Tensor4D;
  });
}
