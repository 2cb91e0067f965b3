import * as tf from '@tensorflow/tfjs';
import type { ForwardFn } from '../render';

/**
 * Hand-built test networks with known answers. Orientation conventions are the stimuli's: stripes at θ degrees
 * counter-clockwise on screen vary along (sin θ, cos θ) in image coordinates (y down).
 */

/** A zero-mean Gabor patch k×k: Gaussian envelope (σ px) times a cosine of `frequency` cycles/px whose stripes run at θ. */
export function gabor(k: number, degrees: number, frequency: number, sigma: number): Float32Array {
  const t = (degrees * Math.PI) / 180;
  const c = (k - 1) / 2;
  const values = new Float32Array(k * k);
  for (let y = 0; y < k; y++) {
    for (let x = 0; x < k; x++) {
      const [dx, dy] = [x - c, y - c];
      values[y * k + x] = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) * Math.cos(2 * Math.PI * frequency * (Math.sin(t) * dx + Math.cos(t) * dy));
    }
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.map((v) => v - mean);
}

export interface PlantedNetwork {
  forward: ForwardFn;
  dispose(): void;
}

/**
 * One unit per planted orientation: grey = channel mean, then a valid convolution with a Gabor filter, then ReLU.
 * Layers: "pre" (before the ReLU) and "edges". The defaults (1/4 cycle per pixel, σ = 4 px) give an orientation
 * bandwidth of about ±9°.
 */
export function orientedUnits(orientations: readonly number[], options: { kernel?: number; frequency?: number; sigma?: number } = {}): PlantedNetwork {
  const k = options.kernel ?? 17;
  const filters = orientations.map((o) => gabor(k, o, options.frequency ?? 1 / 4, options.sigma ?? 4));
  const packed = new Float32Array(k * k * orientations.length);
  filters.forEach((f, u) => f.forEach((v, i) => (packed[i * orientations.length + u] = v)));
  const filter = tf.tensor4d(packed, [k, k, 1, orientations.length]);
  const forward: ForwardFn = (images, layers) => {
    const outputs = tf.tidy(() => {
      const gray = tf.mean(images, 3, true) as tf.Tensor4D;
      const pre = tf.conv2d(gray, filter, 1, 'valid');
      const all: Record<string, tf.Tensor> = { pre, edges: tf.relu(pre) };
      return layers.map((l) => all[l]);
    });
    return new Map(layers.map((l, i) => [l, outputs[i]]));
  };
  return { forward, dispose: () => filter.dispose() };
}

/** A small random convnet (3×3 convs with ReLU, one stride-2), seeded; layers "conv1", "conv2", "conv3". */
export function smallConvnet(channels: number, seed = 1): PlantedNetwork {
  const weights = [
    tf.randomNormal([3, 3, channels, 8], 0, 0.4, 'float32', seed),
    tf.randomNormal([3, 3, 8, 8], 0, 0.2, 'float32', seed + 1),
    tf.randomNormal([3, 3, 8, 6], 0, 0.2, 'float32', seed + 2),
  ] as tf.Tensor4D[];
  const forward: ForwardFn = (images, layers) => {
    // tf.tidy keeps tensors returned in arrays and objects, not in Maps.
    const outputs = tf.tidy(() => {
      const conv1 = tf.relu(tf.conv2d(images, weights[0], 1, 'same'));
      const conv2 = tf.relu(tf.conv2d(conv1, weights[1], 2, 'same'));
      const conv3 = tf.relu(tf.conv2d(conv2, weights[2], 1, 'same'));
      const all: Record<string, tf.Tensor> = { conv1, conv2, conv3 };
      return layers.map((l) => all[l]);
    });
    return new Map(layers.map((l, i) => [l, outputs[i]]));
  };
  return { forward, dispose: () => weights.forEach((w) => w.dispose()) };
}
