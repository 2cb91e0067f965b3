import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import { Rng } from '../rng';
import { ownedVariable } from '../variables';
import { decorrelateColors, decorrelates, inverseColorMixingMatrix } from './color';
import { InverseRealFft2d, realHalfSpectrum, spectrumWeights } from './fourier';

/**
 * Lucid's image parameterization: a trainable tensor (pixels, or a Fourier spectrum with 1/f scaling), mixed from
 * a decorrelated colour space into RGB (3 channels only), squashed into [0, 1] by a sigmoid.
 */
export interface ImageParamOptions {
  batch: number;
  height: number;
  width: number;
  /** Any count: 1 for grayscale models, 3 for RGB; decorrelation applies to 3 only. */
  channels: number;
  /** Fourier (default) or plain pixels. */
  fft?: boolean;
  /** Lucid's colour decorrelation (default true; ignored unless channels = 3). */
  decorrelate?: boolean;
  /** Standard deviation of the random initial parameters (Lucid: 0.01). */
  sd?: number;
  /** Exponent of the 1/f spectrum scaling (Lucid: 1). */
  decayPower?: number;
  /** One seed per batch item, so an item's start does not depend on which batch it is in. */
  seeds: readonly number[];
  /** Start from these images instead ([batch, h, w, channels] values in [0, 1]), e.g. for caricatures. */
  init?: Float32Array;
}

export interface ImageParameterization {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** The one trainable tensor. */
  readonly variable: tf.Variable;
  /** The images [batch, h, w, channels], values in [0, 1]; differentiable in `variable`. */
  images(): tf.Tensor4D;
  dispose(): void;
}

/** Keeps the inverse sigmoid finite for saturated pixels of an initial image. */
const LOGIT_EPS = 1e-4;

export function imageParameterization(options: ImageParamOptions): ImageParameterization {
  const { batch, height, width, channels } = options;
  for (const [name, v] of Object.entries({ batch, height, width, channels })) {
    if (!Number.isInteger(v) || v < 1) throw new MicroscopeError('INVALID_INPUT', `image ${name} must be a positive integer, got ${v}`);
  }
  if (options.seeds.length !== batch) {
    throw new MicroscopeError('INVALID_INPUT', `one seed per batch item is needed: ${batch} items, ${options.seeds.length} seeds`);
  }
  if (options.init && options.init.length !== batch * height * width * channels) {
    throw new MicroscopeError('INVALID_INPUT', `the initial images must hold ${batch}×${height}×${width}×${channels} values, got ${options.init.length}`);
  }
  const decorrelate = (options.decorrelate ?? true) && decorrelates(channels);
  const preSigmoid = options.init ? preSigmoidImages(options.init, channels, decorrelate) : undefined;
  const base = options.fft ?? true ? fourierBase(options, preSigmoid) : pixelBase(options, preSigmoid);
  return {
    batch,
    height,
    width,
    channels,
    variable: base.variable,
    images: () =>
      tf.tidy(() => {
        const raw = base.raw();
        return tf.sigmoid(decorrelate ? decorrelateColors(raw) : raw);
      }),
    dispose: () => base.dispose(),
  };
}

interface Base {
  variable: tf.Variable;
  raw(): tf.Tensor4D;
  dispose(): void;
}

function pixelBase(options: ImageParamOptions, preSigmoid?: Float32Array): Base {
  const { batch, height, width, channels } = options;
  const perItem = height * width * channels;
  const values = preSigmoid ?? new Float32Array(batch * perItem);
  if (!preSigmoid) {
    options.seeds.forEach((seed, b) => values.set(new Rng(seed).normals(perItem, options.sd ?? 0.01), b * perItem));
  }
  const variable = ownedVariable(tf.tensor4d(values, [batch, height, width, channels]), true);
  return { variable, raw: () => variable as unknown as tf.Tensor4D, dispose: () => variable.dispose() };
}

function fourierBase(options: ImageParamOptions, preSigmoid?: Float32Array): Base {
  const { batch, height: h, width: w, channels } = options;
  const irfft = new InverseRealFft2d(h, w, batch, channels);
  const wf = irfft.halfWidth;
  const weights = spectrumWeights(h, w, options.decayPower ?? 1);
  const [rows, cols] = irfft.spectrumShape;
  const values = new Float32Array(rows * cols);
  const scale = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const ky = r % h;
    for (let n = 0; n < batch * channels; n++) {
      for (let kx = 0; kx < wf; kx++) scale[r * cols + n * wf + kx] = weights[ky * wf + kx];
    }
  }
  if (preSigmoid) {
    fillFromImages(values, preSigmoid, options, weights, wf);
  } else {
    // Item by item, from the item's own stream: row-major over (row, channel, kx).
    options.seeds.forEach((seed, b) => {
      const rng = new Rng(seed);
      const sd = options.sd ?? 0.01;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < channels; c++) {
          for (let kx = 0; kx < wf; kx++) values[r * cols + (b * channels + c) * wf + kx] = sd * rng.normal();
        }
      }
    });
  }
  const variable = ownedVariable(tf.tensor2d(values, [rows, cols]), true);
  const scaleTensor = tf.tensor2d(scale, [rows, cols]);
  return {
    variable,
    raw: () => tf.tidy(() => irfft.apply(tf.mul(variable, scaleTensor))),
    dispose: () => {
      variable.dispose();
      scaleTensor.dispose();
      irfft.dispose();
    },
  };
}

/** Spectrum parameters whose image is `preSigmoid` (one half-spectrum per item and channel, divided by the weights). */
function fillFromImages(values: Float32Array, preSigmoid: Float32Array, options: ImageParamOptions, weights: Float32Array, wf: number): void {
  const { batch, height: h, width: w, channels } = options;
  const cols = batch * channels * wf;
  const plane = new Float64Array(h * w);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < h * w; p++) plane[p] = preSigmoid[(b * h * w + p) * channels + c];
      const { re, im } = realHalfSpectrum(plane, h, w);
      for (let ky = 0; ky < h; ky++) {
        for (let kx = 0; kx < wf; kx++) {
          const col = (b * channels + c) * wf + kx;
          const weight = weights[ky * wf + kx];
          values[ky * cols + col] = re[ky * wf + kx] / weight;
          values[(h + ky) * cols + col] = im[ky * wf + kx] / weight;
        }
      }
    }
  }
}

/** Inverts the sigmoid and, for RGB, the colour mixing: the raw values whose image is `images`. */
function preSigmoidImages(images: Float32Array, channels: number, decorrelate: boolean): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const v = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, images[i]));
    out[i] = Math.log(v / (1 - v));
  }
  if (decorrelate) {
    const inv = inverseColorMixingMatrix();
    for (let p = 0; p < out.length; p += channels) {
      const [r, g, b] = [out[p], out[p + 1], out[p + 2]];
      for (let i = 0; i < 3; i++) out[p + i] = inv[i][0] * r + inv[i][1] * g + inv[i][2] * b;
    }
  }
  return out;
}
