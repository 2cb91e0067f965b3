import * as tf from '@tensorflow/tfjs';
import { MicroscopeError } from '@microscope/contracts';
import type { Activations, Objective } from './objectives/objective';
import { render, type ForwardFn, type RenderOptions, type RenderResult } from './render';
import { compose } from './transforms/compose';
import { Rng } from './rng';
import { resizeTo } from './transforms/resize';

/**
 * Restarts from flat images, for items whose picture a flat image beats.
 *
 * Lucid starts every picture at mid-grey. For units whose best input is near an extreme — "darkness" units of
 * linear layers, or units behind a ReLU that a grey image turns off — the optimisation from grey drifts into
 * patches the unit no longer sees (a dead ReLU passes no gradient), or the sigmoid's saturation makes the last
 * stretch to black slow, and the picture ends below a plain black image. After the usual render, each item's
 * picture is compared with flat images; an item that a flat image beats is optimised again, starting from that
 * flat image pulled slightly into the range (so the sigmoid still moves), with the same seed and transforms. The
 * better of the two pictures is kept, so an item's objective never drops, and an item that beats every flat image
 * keeps exactly the picture it had.
 */
export interface RestartOptions {
  /**
   * The objectives for a batch made of the original batch's `items` (row k of that batch is original item
   * `items[k]`).
   */
  objectivesFor(items: readonly number[]): Objective[];
  /**
   * Each row's own objective (higher is better) from the activations of a batch whose row k is original item
   * `items[k]`: a tensor [items.length].
   */
  itemValues(activations: Activations, items: readonly number[]): tf.Tensor1D;
  /** Flat grey levels in [0, 1] to compare every picture with (default black and white). */
  levels?: readonly number[];
  /** How far into the range a restart's start is pulled from its flat level (default 0.03: black starts at 0.03). */
  margin?: number;
  /** Called before the second optimisation with the items it restarts (for progress). */
  onRestart?: (items: readonly number[]) => void;
}

export interface RestartedResult extends RenderResult {
  /** Items that were optimised again from a flat start. */
  restarted: number[];
  /** Of those, the ones whose second picture was kept. */
  replaced: number[];
  /** Each item's own objective on its final 8-bit picture, untransformed (resized to `inputSize` when given). */
  itemValues: number[];
}

export const RESTART_LEVELS: readonly number[] = [0, 1];
export const RESTART_MARGIN = 0.03;

export async function renderWithRestarts(options: RenderOptions, restart: RestartOptions): Promise<RestartedResult> {
  if (options.init || options.references) {
    throw new MicroscopeError('INVALID_INPUT', 'restarts from flat images apply to renders from noise, without initial or reference images');
  }
  const first = await render(options);
  const batch = first.images.length;
  const items = Array.from({ length: batch }, (_, i) => i);
  const score = scorer(options.forward, restart, options.inputSize);
  const values = score(first.images.map(toUnit), items, first);

  const levels = restart.levels ?? RESTART_LEVELS;
  const flat = levels.map((level) => score(items.map(() => flatImage(first, level)), items, first));
  const redo: { item: number; level: number }[] = [];
  for (const item of items) {
    let best = -Infinity;
    let level = -1;
    flat.forEach((v, k) => {
      if (v[item] > best) [best, level] = [v[item], levels[k]];
    });
    if (best > values[item]) redo.push({ item, level });
  }
  if (redo.length === 0) return { ...first, restarted: [], replaced: [], itemValues: Array.from(values) };

  const margin = restart.margin ?? RESTART_MARGIN;
  const redoItems = redo.map((r) => r.item);
  const per = first.height * first.width * first.channels;
  const init = new Float32Array(redo.length * per);
  redo.forEach((r, k) => init.fill(margin + (1 - 2 * margin) * r.level, k * per, (k + 1) * per));
  const seeds = options.itemSeeds;
  restart.onRestart?.(redoItems);
  const second = await render({
    ...options,
    objectives: restart.objectivesFor(redoItems),
    batch: redo.length,
    itemSeeds: seeds ? redoItems.map((i) => seeds[i]) : undefined,
    init,
  });
  const again = score(second.images.map(toUnit), redoItems, second);
  const images = [...first.images];
  const finalValues = Array.from(values);
  const replaced: number[] = [];
  redoItems.forEach((item, k) => {
    if (again[k] > values[item]) {
      images[item] = second.images[k];
      finalValues[item] = again[k];
      replaced.push(item);
    }
  });
  return { ...first, images, restarted: redoItems, replaced, itemValues: finalValues, ...objectiveValues(options, images, first) };
}

type Score = (images: Float32Array[], items: readonly number[], shape: Pick<RenderResult, 'height' | 'width' | 'channels'>) => Float32Array;

/** Per-row objective values of images [0, 1] fed as the render's final evaluation feeds them (resized, untransformed). */
function scorer(forward: ForwardFn, restart: RestartOptions, inputSize: [number, number] | undefined): Score {
  const fit = compose(inputSize ? [resizeTo(inputSize)] : []);
  return (images, items, { height, width, channels }) => {
    const values = tf.tidy(() => {
      const x = tf.tensor4d(concat(images), [images.length, height, width, channels]);
      const input = fit(x, new Rng(0)); // a fixed resize draws no random numbers
      const probe = restart.objectivesFor(items);
      const layers = [...new Set(probe.flatMap((o) => o.layers))];
      return restart.itemValues(forward(input, layers), items);
    });
    const out = values.dataSync() as Float32Array;
    values.dispose();
    return out;
  };
}

/** The render's per-term values, recomputed on the final 8-bit pictures (they may come from two runs). */
function objectiveValues(options: RenderOptions, images: Uint8Array[], shape: RenderResult): Pick<RenderResult, 'values' | 'objective'> {
  const fit = compose(options.inputSize ? [resizeTo(options.inputSize)] : []);
  const layers = [...new Set(options.objectives.flatMap((o) => o.layers))];
  const scalars = tf.tidy(() => {
    const x = tf.tensor4d(concat(images.map(toUnit)), [images.length, shape.height, shape.width, shape.channels]);
    const acts = options.forward(fit(x, new Rng(0)), layers);
    return tf.stack(options.objectives.map((o) => o.evaluate(acts)));
  });
  const values = Array.from(scalars.dataSync());
  scalars.dispose();
  return { values, objective: values.reduce((a, b) => a + b, 0) };
}

function toUnit(pixels: Uint8Array): Float32Array {
  return Float32Array.from(pixels, (v) => v / 255);
}

function flatImage(shape: Pick<RenderResult, 'height' | 'width' | 'channels'>, level: number): Float32Array {
  return new Float32Array(shape.height * shape.width * shape.channels).fill(level);
}

function concat(images: Float32Array[]): Float32Array {
  const out = new Float32Array(images.reduce((n, im) => n + im.length, 0));
  let offset = 0;
  for (const im of images) {
    out.set(im, offset);
    offset += im.length;
  }
  return out;
}
