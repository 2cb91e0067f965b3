import { createHash } from 'node:crypto';
import { renderLayerPrefix, type ModelVersion } from '@microscope/contracts';
import { optvis } from '@microscope/engine';

/**
 * Object keys of rendered images, derived from everything that determines the pixels, never chosen by a user:
 * `renders/<versionContentHash>/<layer>/<unit>/<objective>-<paramsHash>.png`. The same inputs give the same key,
 * so a job skips what is already stored, and a job killed half-way resumes at the first missing image.
 */

/** Everything besides the version's files that changes a rendered image. */
export interface RenderSettings {
  objective: string;
  steps: number;
  size: number;
  learningRate: number;
  seed: number;
  /** Whatever else the kind of render depends on (images per unit, the caricatured image …). */
  extra?: Record<string, string | number>;
}

/**
 * A short hash over the settings, the version's input spec and preprocessing (two versions with the same files
 * may differ there) and the engine's OPTVIS_VERSION. Canonical JSON: keys in a fixed order.
 */
export function renderParamsHash(version: Pick<ModelVersion, 'input' | 'preprocessing'>, settings: RenderSettings): string {
  const canonical = JSON.stringify([
    optvis.OPTVIS_VERSION,
    settings.objective,
    settings.steps,
    settings.size,
    settings.learningRate,
    settings.seed,
    Object.entries(settings.extra ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    [version.input.height, version.input.width, version.input.channels],
    [version.preprocessing.scale, version.preprocessing.mean, version.preprocessing.std],
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** The folder of one layer's renders. */
export const layerPrefix = renderLayerPrefix;

/** `<unit>` is a unit number, or a word for whole-layer images ("layer" for DeepDream, "caricature"). */
export function renderKey(contentHash: string, layer: string, unit: number | string, objective: string, paramsHash: string): string {
  return `${layerPrefix(contentHash, layer)}${unit}/${objective}-${paramsHash}.png`;
}
