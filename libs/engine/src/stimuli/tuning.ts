import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import type { ForwardFn } from '../optvis/render';
import type { StimulusAxis, StimulusFamily } from './family';

/** A unit's centre-neuron response over a stimulus family, maximised over the family's `maxOver` axes. */
export interface TuningCurve {
  unit: number;
  /** The axes the curve runs over (the family's, minus those maximised over). */
  axes: StimulusAxis[];
  /** Responses over the cartesian product of `axes`, last axis fastest. */
  responses: Float32Array;
  peak: { params: Record<string, number>; response: number };
}

export interface TuningOptions {
  /** Stimuli per forward pass (default 32). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Tuning curves of several units of one layer from one sweep over the family: each stimulus goes through the
 * network once and every requested unit's centre response (position ⌊H/2⌋, ⌊W/2⌋; dense layers: the unit) is kept.
 */
export async function tuningCurves(
  forward: ForwardFn,
  layer: string,
  units: readonly number[] | 'all',
  family: StimulusFamily,
  options: TuningOptions = {},
): Promise<TuningCurve[]> {
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new MicroscopeError('INVALID_INPUT', `batchSize must be a positive integer, got ${batchSize}`);
  const perImage = family.size * family.size * family.channels;
  let chosen: number[] | undefined = units === 'all' ? undefined : [...units];
  let responses: Float32Array[] = []; // per chosen unit, per stimulus
  for (let start = 0; start < family.count; start += batchSize) {
    options.signal?.throwIfAborted();
    const n = Math.min(batchSize, family.count - start);
    const pixels = new Float32Array(n * perImage);
    for (let i = 0; i < n; i++) family.draw(start + i, pixels, i * perImage);
    const centre = tf.tidy(() => {
      const acts = forward(tf.tensor4d(pixels, [n, family.size, family.size, family.channels]), [layer]).get(layer);
      if (!acts) throw new MicroscopeError('INVALID_INPUT', `the forward pass returned no activations for layer "${layer}"`);
      if (acts.rank === 2) return acts as tf.Tensor2D;
      if (acts.rank !== 4) throw new MicroscopeError('UNSUPPORTED', `tuning curves need an NHWC or NC layer; "${layer}" has rank ${acts.rank}`);
      const [, h, w, c] = acts.shape;
      return tf.reshape(tf.slice(acts, [0, Math.floor(h / 2), Math.floor(w / 2), 0], [-1, 1, 1, -1]), [n, c]) as tf.Tensor2D;
    });
    const channels = centre.shape[1];
    const values = centre.dataSync();
    centre.dispose();
    if (!chosen) chosen = Array.from({ length: channels }, (_, u) => u);
    if (responses.length === 0) {
      for (const u of chosen) {
        if (!Number.isInteger(u) || u < 0 || u >= channels) throw new MicroscopeError('INVALID_INPUT', `unit ${u} is outside ${layer}'s ${channels} channels`);
      }
      responses = chosen.map(() => new Float32Array(family.count));
    }
    chosen.forEach((u, k) => {
      for (let i = 0; i < n; i++) responses[k][start + i] = values[i * channels + u];
    });
    options.onProgress?.(start + n, family.count);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return (chosen ?? []).map((unit, k) => reduceOver(family, unit, responses[k]));
}

/** One unit's tuning curve (see tuningCurves). */
export async function tuningCurve(forward: ForwardFn, layer: string, unit: number, family: StimulusFamily, options: TuningOptions = {}): Promise<TuningCurve> {
  const [curve] = await tuningCurves(forward, layer, [unit], family, options);
  return curve;
}

/** Maximum over the family's maxOver axes. */
function reduceOver(family: StimulusFamily, unit: number, perStimulus: Float32Array): TuningCurve {
  const kept = family.axes.filter((a) => !family.maxOver.includes(a.name));
  const keptSize = kept.reduce((n, a) => n * a.values.length, 1);
  const responses = new Float32Array(keptSize).fill(-Infinity);
  for (let i = 0; i < family.count; i++) {
    const p = family.params(i);
    let index = 0;
    for (const axis of kept) index = index * axis.values.length + axis.values.indexOf(p[axis.name]);
    if (perStimulus[i] > responses[index]) responses[index] = perStimulus[i];
  }
  let best = 0;
  for (let i = 1; i < keptSize; i++) if (responses[i] > responses[best]) best = i;
  const params: Record<string, number> = {};
  let rest = best;
  for (let a = kept.length - 1; a >= 0; a--) {
    const n = kept[a].values.length;
    params[kept[a].name] = kept[a].values[rest % n];
    rest = Math.floor(rest / n);
  }
  return { unit, axes: kept.map((a) => ({ name: a.name, values: [...a.values] })), responses, peak: { params, response: responses[best] } };
}
