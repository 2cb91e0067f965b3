/** Turns rows of a uint8 image split into the network's input: x = pixel / 255 (mean 0, std 1), NHWC, one channel. */
import * as tf from '@tensorflow/tfjs';
import type { FashionSplit } from '../demo-zoo/fashion-mnist';
import { FASHION_IMAGE_SIZE, FASHION_PIXELS } from '../demo-zoo/fashion-mnist';

export const PIXEL_SCALE = 1 / 255;

export function inputBatch(split: FashionSplit, rows: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const n = rows.length;
  const pixels = new Float32Array(n * FASHION_PIXELS);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const image = split.images.subarray(row * FASHION_PIXELS, (row + 1) * FASHION_PIXELS);
    const offset = i * FASHION_PIXELS;
    for (let p = 0; p < FASHION_PIXELS; p++) pixels[offset + p] = image[p] * PIXEL_SCALE;
    labels[i] = split.labels[row];
  }
  return {
    x: tf.tensor4d(pixels, [n, FASHION_IMAGE_SIZE, FASHION_IMAGE_SIZE, 1]),
    y: tf.tensor1d(labels),
  };
}

/** Rows start, start+1, …, end-1. */
export function rowRange(start: number, end: number): Uint32Array {
  const rows = new Uint32Array(Math.max(0, end - start));
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  return rows;
}
