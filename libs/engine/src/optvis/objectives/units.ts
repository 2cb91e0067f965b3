import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { layerActivations, objective, selectItem, type Objective } from './objective';

/**
 * Lucid's unit objectives. Each reads one batch item when `batch` is given (so one batch can hold many units, each
 * with its own objective), or the mean over the batch otherwise.
 */
export interface ItemOptions {
  batch?: number;
}

const at = (batch: number | undefined): string => (batch === undefined ? '' : `@${batch}`);
const items = (batch: number | undefined): number[] | undefined => (batch === undefined ? undefined : [batch]);

/** Mean activation of channel `unit` over all positions. */
export function channel(layer: string, unit: number, options: ItemOptions = {}): Objective {
  return objective(`channel(${layer}:${unit})${at(options.batch)}`, [layer], items(options.batch), (acts) =>
    tf.tidy(() => tf.mean(channelSlice(selectItem(layerActivations(acts, layer), options.batch), unit)) as tf.Scalar),
  );
}

export interface NeuronOptions extends ItemOptions {
  /** Spatial position; the centre (⌊H/2⌋, ⌊W/2⌋) by default. */
  y?: number;
  x?: number;
}

/** Activation of channel `unit` at one spatial position (the centre by default). Dense layers: the unit itself. */
export function neuron(layer: string, unit: number, options: NeuronOptions = {}): Objective {
  return objective(`neuron(${layer}:${unit})${at(options.batch)}`, [layer], items(options.batch), (acts) =>
    tf.tidy(() => {
      const t = selectItem(layerActivations(acts, layer), options.batch);
      if (t.rank === 2) return tf.mean(channelSlice(t, unit)) as tf.Scalar;
      const [, h, w] = t.shape;
      const y = options.y ?? Math.floor(h / 2);
      const x = options.x ?? Math.floor(w / 2);
      if (y < 0 || y >= h || x < 0 || x >= w) throw new MicroscopeError('INVALID_INPUT', `position (${y}, ${x}) is outside ${layer}'s ${h}×${w} map`);
      return tf.mean(tf.slice(channelSlice(t, unit), [0, y, x, 0], [-1, 1, 1, 1])) as tf.Scalar;
    }),
  );
}

export interface DirectionOptions extends ItemOptions {
  /** Lucid's cossim_pow: weights each position's dot product by max(0.1, cos)^p, favouring the direction itself. */
  cossimPow?: number;
}

/** Dot product of each position's activation vector with `vector` (a direction in the layer's channel space), averaged. */
export function direction(layer: string, vector: ArrayLike<number>, options: DirectionOptions = {}): Objective {
  const values = Float32Array.from(vector as ArrayLike<number>);
  const pow = options.cossimPow ?? 0;
  return objective(`direction(${layer})${at(options.batch)}`, [layer], items(options.batch), (acts) =>
    tf.tidy(() => {
      const t = selectItem(layerActivations(acts, layer), options.batch);
      const channels = t.shape[t.rank - 1];
      if (channels !== values.length) {
        throw new MicroscopeError('INVALID_INPUT', `direction has ${values.length} components but ${layer} has ${channels} channels`);
      }
      const v = tf.tensor1d(values);
      const dot = tf.sum(tf.mul(t, v), -1);
      if (pow === 0) return tf.mean(dot) as tf.Scalar;
      const eps = 1e-4;
      const cossim = tf.div(tf.div(dot, tf.add(tf.sqrt(tf.sum(tf.square(t), -1)), eps)), tf.add(tf.norm(v), eps));
      return tf.mean(tf.mul(dot, tf.pow(tf.maximum(cossim, 0.1), pow))) as tf.Scalar;
    }),
  );
}

/** DeepDream: the mean squared activation of a whole layer. */
export function deepdream(layer: string, options: ItemOptions = {}): Objective {
  return objective(`deepdream(${layer})${at(options.batch)}`, [layer], items(options.batch), (acts) =>
    tf.tidy(() => tf.mean(tf.square(selectItem(layerActivations(acts, layer), options.batch))) as tf.Scalar),
  );
}

export interface CaricatureOptions {
  /** The optimised image's batch index. */
  batch: number;
  /** Batch index of the real image (a fixed reference the render appends to the batch). */
  reference: number;
  cossimPow?: number;
}

/**
 * Caricature (Lucid's dot_compare): the dot product of the optimised image's activations with the real image's,
 * times (dot / |reference|)^cossimPow. Both go through the same transforms, so their positions stay aligned.
 */
export function caricature(layer: string, options: CaricatureOptions): Objective {
  const pow = options.cossimPow ?? 0;
  return objective(`caricature(${layer})@${options.batch}~${options.reference}`, [layer], [options.batch, options.reference], (acts) =>
    tf.tidy(() => {
      const t = layerActivations(acts, layer);
      const image = selectItem(t, options.batch);
      const reference = selectItem(t, options.reference);
      const dot = tf.sum(tf.mul(image, reference));
      if (pow === 0) return dot as tf.Scalar;
      const cossim = tf.div(dot, tf.add(tf.sqrt(tf.sum(tf.square(reference))), 1e-6));
      return tf.mul(dot, tf.pow(cossim, pow)) as tf.Scalar;
    }),
  );
}

/** Channel `unit` of an NHWC or NC tensor, keeping the axis. */
function channelSlice(t: tf.Tensor, unit: number): tf.Tensor {
  const channels = t.shape[t.rank - 1];
  if (!Number.isInteger(unit) || unit < 0 || unit >= channels) {
    throw new MicroscopeError('INVALID_INPUT', `unit ${unit} is outside the layer's ${channels} channels`);
  }
  const begin = t.shape.map(() => 0);
  const size = t.shape.map(() => -1);
  begin[t.rank - 1] = unit;
  size[t.rank - 1] = 1;
  return tf.slice(t, begin, size);
}
