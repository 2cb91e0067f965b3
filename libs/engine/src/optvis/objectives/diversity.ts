import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { layerActivations, objective, selectItem, type Objective } from './objective';

export interface DiversityOptions {
  /** The batch items compared with each other (default: the whole batch). */
  items?: readonly number[];
}

/**
 * Lucid's diversity term: each image's Gram matrix of `layer` (channel × channel, over positions), L2-normalised;
 * the value is Σ_{i≠j} ⟨Gᵢ, Gⱼ⟩ / n, i.e. the summed cosine similarity of every pair divided by n. It is a
 * penalty: n − 1 for n identical images, lower the more they differ. Use it with a negative weight, e.g.
 * sum(channel(l, u), scaled(-100, diversity(l))).
 */
export function diversity(layer: string, options: DiversityOptions = {}): Objective {
  return objective(`diversity(${layer})`, [layer], options.items, (acts) =>
    tf.tidy(() => {
      let t = layerActivations(acts, layer);
      // Slices, not gather: gather's gradient kernel is missing on WASM.
      if (options.items) t = tf.concat(options.items.map((i) => selectItem(t, i)), 0);
      const n = t.shape[0];
      if (n < 2) throw new MicroscopeError('INVALID_INPUT', 'diversity needs at least two images in the batch');
      const channels = t.shape[t.rank - 1];
      const flat = tf.reshape(t, [n, -1, channels]) as tf.Tensor3D;
      const grams = tf.reshape(tf.matMul(flat, flat, true, false), [n, channels * channels]) as tf.Tensor2D;
      const norms = tf.sqrt(tf.maximum(tf.sum(tf.square(grams), 1, true), 1e-10));
      const unit = tf.div(grams, norms);
      const similarity = tf.matMul(unit, unit, false, true); // [n, n], ones on the diagonal
      const offDiagonal = tf.sub(tf.sum(similarity), tf.sum(tf.mul(similarity, tf.eye(n))));
      return tf.div(offDiagonal, n) as tf.Scalar;
    }),
  );
}
