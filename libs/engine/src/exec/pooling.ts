import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';

/** Per image and channel spatial summaries of one layer's activations, image-major: value[i * channels + c]. */
export interface PooledChannels {
  images: number;
  channels: number;
  /** Spatial grid of the layer (1 × 1 for dense layers). */
  height: number;
  width: number;
  mean: Float32Array;
  max: Float32Array;
  /** Row and column of the (first) maximum. */
  argmaxY: Int32Array;
  argmaxX: Int32Array;
}

/**
 * Mean, max and the position of the max of every channel of every image, computed with TF.js ops and read back
 * with one dataSync outside tf.tidy (reading inside tidy was 15× slower, ENGINE-NOTES). The input is not disposed.
 */
export function poolChannels(t: tf.Tensor4D | tf.Tensor2D): PooledChannels {
  if (t.rank !== 4 && t.rank !== 2) throw new MicroscopeError('INVALID_INPUT', `poolChannels takes [N, H, W, C] or [N, C], got rank ${t.rank}`);
  const [images, height, width, channels]: [number, number, number, number] =
    t.rank === 4 ? (t.shape as [number, number, number, number]) : [t.shape[0], 1, 1, t.shape[1]];
  const packed = tf.tidy(() => {
    const grid = tf.reshape(t, [images, height * width, channels]);
    const index = tf.argMax(grid, 1);
    const y = tf.floorDiv(index, tf.scalar(width, 'int32'));
    const x = tf.sub(index, tf.mul(y, tf.scalar(width, 'int32')));
    // Positions travel as float32 (exact below 2^24) so everything comes back in a single read.
    return tf.stack([tf.mean(grid, 1), tf.max(grid, 1), tf.cast(y, 'float32'), tf.cast(x, 'float32')]);
  });
  try {
    const all = packed.dataSync() as Float32Array;
    const n = images * channels;
    return {
      images,
      channels,
      height,
      width,
      mean: all.slice(0, n),
      max: all.slice(n, 2 * n),
      argmaxY: Int32Array.from(all.subarray(2 * n, 3 * n)),
      argmaxX: Int32Array.from(all.subarray(3 * n, 4 * n)),
    };
  } finally {
    packed.dispose();
  }
}
