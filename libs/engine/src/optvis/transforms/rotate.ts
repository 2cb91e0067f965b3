import type * as tf from '@tensorflow/tfjs';
import { affineTransform, type AffineStep, type Transform } from './transform';
import { warpAffine } from './warp';

/** Rotation about the image centre by `degrees`, counter-clockwise as seen on screen; outside reads take `fill`. */
export function rotationStep(size: [number, number], degrees: number, fill: number): AffineStep {
  const r = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(r), Math.sin(r)];
  // Output pixel (dy, dx) from the centre reads (sin·dx + cos·dy, cos·dx − sin·dy): clockwise in y-down coordinates.
  const a: [number, number, number, number] = [cos, sin, -sin, cos];
  const [cy, cx] = [(size[0] - 1) / 2, (size[1] - 1) / 2];
  return { map: { a, t: [cy - (a[0] * cy + a[1] * cx), cx - (a[2] * cy + a[3] * cx)] }, outSize: size, fill };
}

/** Rotates a batch (bilinear, differentiable). */
export function rotate(images: tf.Tensor4D, degrees: number, fill = 0.5): tf.Tensor4D {
  const step = rotationStep([images.shape[1], images.shape[2]], degrees, fill);
  return warpAffine(images, step.map, step.outSize, fill);
}

/**
 * Rotation by an angle picked from `degrees` (Lucid's list repeats 0 to weight it). Lucid fills the corners with
 * black; the default here is mid-grey, like the padding, so fused pad + rotate reads one constant outside.
 */
export function randomRotate(degrees: readonly number[], fill = 0.5): Transform {
  return affineTransform((size, rng) => rotationStep(size, rng.pick(degrees), fill));
}
