import { MicroscopeError, type VisualizationObjective } from '@microscope/contracts';
import { optvis } from '@microscope/engine';

/** Images per unit for the diversity objective, tiled 2 × 2 into one picture. */
const DIVERSITY_IMAGES = optvis.DIVERSITY_IMAGES;
/** The image size Lucid's transforms were tuned for; other sizes get them scaled in proportion. */
export const LUCID_SIZE = 128;
/** Lucid's weight of the diversity penalty against the channel objective averaged over the unit's images. */
const DIVERSITY_WEIGHT = 1e2;

export interface VisualizeUnitsOptions {
  forward: optvis.ForwardFn;
  /** The node whose units are optimised (optvis.optimisedNode: a softmax layer's logits, else the layer itself). */
  layer: string;
  units: readonly number[];
  objective: VisualizationObjective;
  /** Optimised images per pass (a diversity unit takes DIVERSITY_IMAGES of them). */
  imagesPerBatch: number;
  steps: number;
  size: number;
  learningRate: number;
  seed: number;
  channels: number;
  /** The network's input size; the rendered images are resized to it inside the optimisation. */
  inputSize: [number, number];
  /** Pixel amounts of Lucid's transforms relative to its 128 px (default size / 128: the same share of the image). */
  transformScale?: number;
  signal?: AbortSignal;
  /** Called after every step of every batch (for progress); `restarting` counts the units of a second pass. */
  onStep?: (progress: { batch: number; batches: number; units: number; step: number; steps: number; restarting?: number }) => void;
}

export interface RenderedUnit {
  unit: number;
  /** Row-major uint8, height × width × channels (2 × 2 tiles for diversity). */
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
  /** Set when a flat image beat the first picture and the unit was optimised again: whether that picture was kept. */
  restart?: 'kept-first' | 'replaced';
}

/**
 * Feature visualizations of many units of one layer: batches of units, one objective per unit in one forward and
 * backward pass, each unit's image started from its own seed (derived from the job seed and the unit number), so a
 * unit's picture is the same whichever batch it falls in — which is what lets a resumed job render only the
 * missing ones. A unit whose picture a flat black or white image beats (darkness units, units a grey start turns
 * off) is optimised again from that flat image and keeps the better picture (optvis.renderWithRestarts); the
 * decision is the unit's own, so it too does not depend on the batch. Yields each batch as it finishes.
 */
export async function* visualizeUnits(options: VisualizeUnitsOptions): AsyncGenerator<RenderedUnit[]> {
  const perUnit = options.objective === 'diversity' ? DIVERSITY_IMAGES : 1;
  const unitsPerBatch = Math.max(1, Math.floor(options.imagesPerBatch / perUnit));
  const batches = Math.ceil(options.units.length / unitsPerBatch);
  for (let b = 0; b < batches; b++) {
    const units = options.units.slice(b * unitsPerBatch, (b + 1) * unitsPerBatch);
    let restarting: number | undefined;
    const renderOptions: optvis.RenderOptions = {
      forward: options.forward,
      objectives: objectivesFor(options.layer, units, options.objective),
      batch: units.length * perUnit,
      itemSeeds: units.flatMap((unit) => Array.from({ length: perUnit }, (_, j) => optvis.deriveSeed(optvis.deriveSeed(options.seed, unit), j))),
      seed: options.seed,
      size: options.size,
      channels: options.channels,
      steps: options.steps,
      learningRate: options.learningRate,
      inputSize: options.inputSize,
      transforms: optvis.standardTransforms(options.transformScale ?? options.size / LUCID_SIZE),
      signal: options.signal,
      onProgress: ({ step, steps }) => options.onStep?.({ batch: b, batches, units: units.length, step, steps, restarting }),
    };
    const targets = unitTargets(units, options.objective);
    // One image per unit, each with its own objective: a unit that a flat image beats is optimised again from it.
    const result: optvis.RenderResult & Partial<Pick<optvis.RestartedResult, 'restarted' | 'replaced'>> = targets
      ? await optvis.renderWithRestarts(renderOptions, {
          objectivesFor: (items) => objectivesFor(options.layer, items.map((i) => units[i]), options.objective),
          itemValues: optvis.unitBatchItemValues(options.layer, targets, { reduce: options.objective === 'neuron' ? 'neuron' : 'channel' }),
          onRestart: (items) => (restarting = items.length),
        })
      : await optvis.render(renderOptions);
    const restart = (i: number): RenderedUnit['restart'] =>
      result.restarted?.includes(i) ? (result.replaced?.includes(i) ? 'replaced' : 'kept-first') : undefined;
    yield units.map((unit, i) => {
      const images = result.images.slice(i * perUnit, (i + 1) * perUnit);
      return perUnit === 1
        ? { unit, pixels: images[0], height: result.height, width: result.width, channels: result.channels, restart: restart(i) }
        : { unit, ...tile2x2(images, result.height, result.width, result.channels) };
    });
  }
}

/** One term per unit, all of one kind: a single masked sum (plus each unit's diversity penalty). */
function objectivesFor(layer: string, units: readonly number[], objective: VisualizationObjective): optvis.Objective[] {
  switch (objective) {
    case 'channel':
      return [optvis.unitBatch(layer, units.map((unit, batch) => ({ batch, unit })))];
    case 'neuron':
      return [optvis.unitBatch(layer, units.map((unit, batch) => ({ batch, unit })), { reduce: 'neuron' })];
    case 'negative':
      return [optvis.unitBatch(layer, units.map((unit, batch) => ({ batch, unit, weight: -1 })))];
    case 'diversity': {
      const n = DIVERSITY_IMAGES;
      const items = (i: number) => Array.from({ length: n }, (_, j) => i * n + j);
      // Lucid: mean channel over the unit's images − 100 · diversity; our unit terms sum over images, hence × n.
      return [
        optvis.unitBatch(layer, units.flatMap((unit, i) => items(i).map((batch) => ({ batch, unit })))),
        ...units.map((_, i) => optvis.scaled(-DIVERSITY_WEIGHT * n, optvis.diversity(layer, { items: items(i) }))),
      ];
    }
    default:
      throw new MicroscopeError('INVALID_INPUT', `unknown objective ${objective as string}`);
  }
}

/** Each batch item's unit and weight, for objectives with one image per unit (not diversity). */
function unitTargets(units: readonly number[], objective: VisualizationObjective): optvis.UnitTarget[] | undefined {
  if (objective === 'diversity') return undefined;
  const weight = objective === 'negative' ? -1 : 1;
  return units.map((unit, batch) => ({ batch, unit, weight }));
}

/** Four images side by side, two rows of two. */
function tile2x2(images: Uint8Array[], h: number, w: number, c: number): Omit<RenderedUnit, 'unit'> {
  const pixels = new Uint8Array(4 * h * w * c);
  images.forEach((image, k) => {
    const [ty, tx] = [Math.floor(k / 2), k % 2];
    for (let y = 0; y < h; y++) pixels.set(image.subarray(y * w * c, (y + 1) * w * c), ((ty * h + y) * 2 * w + tx * w) * c);
  });
  return { pixels, height: 2 * h, width: 2 * w, channels: c };
}
