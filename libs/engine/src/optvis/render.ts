import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { imageParameterization } from './param/image';
import { sum, type Activations, type Objective } from './objectives/objective';
import { compose, standardTransforms } from './transforms/compose';
import { resizeTo } from './transforms/resize';
import type { Transform } from './transforms/transform';
import { deriveSeed, Rng } from './rng';
import { Adam } from './adam';

/**
 * The network seen by the render loop: images [N, H, W, C] with values in [0, 1] (the caller applies the model's
 * preprocessing) → activations of the named layers. It must be differentiable with respect to `images`; the app
 * passes `(x, layers) => executor.run(preprocess(x), layers)`.
 */
export type ForwardFn = (images: tf.Tensor4D, layers: string[]) => Map<string, tf.Tensor>;

export interface RenderProgress {
  /** Steps done (1-based). */
  step: number;
  steps: number;
  /** Sum of the objectives at this step (on the transformed images). */
  objective: number;
}

export interface RenderOptions {
  forward: ForwardFn;
  /** Terms whose sum is maximised; unit terms name their batch item, so N units can share one batch. */
  objectives: readonly Objective[];
  /** Number of optimised images (default 1). */
  batch?: number;
  /** Square image size (default 128); `height`/`width` override it. */
  size?: number;
  height?: number;
  width?: number;
  /** Input channels: 3 for RGB, 1 for grayscale, any count (default 3). */
  channels?: number;
  steps?: number;
  learningRate?: number;
  seed?: number;
  /**
   * One seed per optimised image (default: derived from `seed` and the index). Jobs pass a seed per unit so a
   * unit's picture does not depend on which batch it was rendered in.
   */
  itemSeeds?: readonly number[];
  /** Fourier parameterization (default true) or pixels. */
  fft?: boolean;
  /** Lucid's colour decorrelation for 3 channels (default true). */
  decorrelate?: boolean;
  /** Standard deviation of the random start (default 0.01). */
  sd?: number;
  /** 1/f exponent of the Fourier parameterization (default 1). */
  decayPower?: number;
  /** Applied in order before every forward pass (default: Lucid's standard transforms). */
  transforms?: readonly Transform[];
  /** Resize the transformed images to [h, w] before the forward pass, for models with a fixed input size. */
  inputSize?: [number, number];
  /** Start from these images ([batch, h, w, channels], values in [0, 1]) instead of noise. */
  init?: Float32Array;
  /** Fixed images ([r, h, w, channels] in [0, 1]) appended after the optimised ones, at batch indices batch…batch+r−1. */
  references?: Float32Array;
  onProgress?: (progress: RenderProgress) => void;
  signal?: AbortSignal;
}

export interface RenderResult {
  /** One image per optimised batch item, row-major height × width × channels, uint8. */
  images: Uint8Array[];
  height: number;
  width: number;
  channels: number;
  /** Each objective term evaluated on the final images, untransformed (resized to `inputSize` when given). */
  values: number[];
  /** Their sum. */
  objective: number;
  steps: number;
}

const DEFAULTS = { batch: 1, size: 128, channels: 3, steps: 512, learningRate: 0.05, seed: 0 } as const;
/** Stream label for transform draws, so the start images and the transforms never share random numbers. */
const TRANSFORM_STREAM = 0x7a5f;

/** Lucid's render loop: Adam on the image parameters, maximising the objectives through random transforms. */
export async function render(options: RenderOptions): Promise<RenderResult> {
  const batch = options.batch ?? DEFAULTS.batch;
  const height = options.height ?? options.size ?? DEFAULTS.size;
  const width = options.width ?? options.size ?? DEFAULTS.size;
  const channels = options.channels ?? DEFAULTS.channels;
  const steps = options.steps ?? DEFAULTS.steps;
  const seed = options.seed ?? DEFAULTS.seed;
  const references = checkReferences(options.references, height, width, channels);
  validate(options, batch, references, steps);

  const itemSeeds = options.itemSeeds ?? Array.from({ length: batch }, (_, i) => deriveSeed(seed, i));
  const param = imageParameterization({
    batch,
    height,
    width,
    channels,
    fft: options.fft,
    decorrelate: options.decorrelate,
    sd: options.sd,
    decayPower: options.decayPower,
    seeds: itemSeeds,
    init: options.init,
  });
  const optimizer = new Adam(param.variable, options.learningRate ?? DEFAULTS.learningRate);
  const referenceTensor = references > 0 ? tf.tensor4d(options.references!, [references, height, width, channels]) : undefined;
  // A fixed input size is one more geometric step, fused with the random ones into a single resampling.
  const fit = options.inputSize ? [resizeTo(options.inputSize)] : [];
  const transform = compose([...(options.transforms ?? standardTransforms()), ...fit]);
  const untransformed = compose(fit);
  const rng = new Rng(deriveSeed(seed, TRANSFORM_STREAM));
  const total = sum(...options.objectives);
  const layers = [...total.layers];

  /** The batch the network sees: optimised images then references, transformed or not, resized if asked. */
  const networkInput = (transformed: boolean): tf.Tensor4D => {
    const images = param.images();
    const x = referenceTensor ? tf.concat([images, referenceTensor], 0) : images;
    return (transformed ? transform : untransformed)(x, rng);
  };

  try {
    for (let step = 1; step <= steps; step++) {
      options.signal?.throwIfAborted();
      const value = -optimizer.minimize(() => tf.neg(total.evaluate(options.forward(networkInput(true), layers))));
      if (!Number.isFinite(value)) {
        throw new MicroscopeError('INVALID_MODEL', `the objective became ${value} at step ${step}: the model's activations or gradients overflow`);
      }
      options.onProgress?.({ step, steps, objective: value });
      // Let timers, I/O and cancellation run between steps.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const values = finalValues(options.objectives, () => options.forward(networkInput(false), layers));
    const images = toUint8(param.images, batch);
    return { images, height, width, channels, values, objective: values.reduce((a, b) => a + b, 0), steps };
  } finally {
    optimizer.dispose();
    param.dispose();
    referenceTensor?.dispose();
  }
}

function finalValues(objectives: readonly Objective[], forward: () => Activations): number[] {
  const scalars = tf.tidy(() => {
    const acts = forward();
    return tf.stack(objectives.map((o) => o.evaluate(acts)));
  });
  const values = Array.from(scalars.dataSync());
  scalars.dispose();
  return values;
}

function toUint8(images: () => tf.Tensor4D, batch: number): Uint8Array[] {
  const t = images();
  const data = t.dataSync(); // outside tidy: reading inside one was measured 15× slower
  t.dispose();
  const per = data.length / batch;
  return Array.from({ length: batch }, (_, b) => {
    const out = new Uint8Array(per);
    for (let i = 0; i < per; i++) out[i] = Math.round(Math.min(1, Math.max(0, data[b * per + i])) * 255);
    return out;
  });
}

function checkReferences(references: Float32Array | undefined, h: number, w: number, c: number): number {
  if (!references) return 0;
  const per = h * w * c;
  if (references.length === 0 || references.length % per !== 0) {
    throw new MicroscopeError('INVALID_INPUT', `reference images must be whole ${h}×${w}×${c} images, got ${references.length} values`);
  }
  return references.length / per;
}

function validate(options: RenderOptions, batch: number, references: number, steps: number): void {
  if (options.objectives.length === 0) throw new MicroscopeError('INVALID_INPUT', 'a render needs at least one objective');
  if (!Number.isInteger(steps) || steps < 0) throw new MicroscopeError('INVALID_INPUT', `steps must be a non-negative integer, got ${steps}`);
  if (options.itemSeeds && options.itemSeeds.length !== batch) {
    throw new MicroscopeError('INVALID_INPUT', `itemSeeds has ${options.itemSeeds.length} seeds for a batch of ${batch}`);
  }
  for (const o of options.objectives) {
    const outside = (o.items ?? []).filter((i) => i < 0 || i >= batch + references);
    if (outside.length > 0) {
      throw new MicroscopeError('INVALID_INPUT', `${o.description} reads batch item ${outside[0]}, but the batch has ${batch} images and ${references} references`);
    }
  }
}
