import { createHash } from 'node:crypto';
import { renderLayerPrefix, type CaricatureJobParams, type DreamJobParams, type ModelVersion, type VisualizeJobParams } from '@microscope/contracts';
import { OPTVIS_VERSION } from './version';

/**
 * Object keys of rendered images, derived from everything that determines the pixels, never chosen by a user:
 * `renders/<versionContentHash>/<layer>/<unit>/<objective>-<paramsHash>.png`. The same inputs give the same key,
 * so a job skips what is already stored, a job killed half-way resumes at the first missing image, and the API
 * can say where a requested picture will be before it exists.
 */

/** Images per unit of a diversity picture (tiled 2 × 2). */
export const DIVERSITY_IMAGES = 4;

/** What of a version a picture depends on besides the settings: its files (by hash), input spec and preprocessing. */
export type RenderedVersion = Pick<ModelVersion, 'contentHash' | 'input' | 'preprocessing'>;

/** Everything besides the version that changes a rendered image. */
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
 * may differ there) and OPTVIS_VERSION. Canonical JSON: fields in a fixed order, extra settings sorted by name.
 */
export function renderParamsHash(version: Pick<ModelVersion, 'input' | 'preprocessing'>, settings: RenderSettings): string {
  const canonical = JSON.stringify([
    OPTVIS_VERSION,
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

/** `<unit>` is a unit number, or a word for whole-layer pictures ("layer" for DeepDream, "caricature"). */
export function renderKey(contentHash: string, layer: string, unit: number | string, objective: string, paramsHash: string): string {
  return `${renderLayerPrefix(contentHash, layer)}${unit}/${objective}-${paramsHash}.png`;
}

type Optimisation = Pick<VisualizeJobParams, 'steps' | 'size' | 'learningRate' | 'seed'>;
const optimisation = (p: Optimisation) => ({ steps: p.steps, size: p.size, learningRate: p.learningRate, seed: p.seed });

/** Where each unit's picture of a visualize job goes. */
export function visualizationKeys(version: RenderedVersion, params: Pick<VisualizeJobParams, 'layer' | 'objective'> & Optimisation, units: readonly number[]): Map<number, string> {
  const extra = params.objective === 'diversity' ? { images: DIVERSITY_IMAGES } : undefined;
  const hash = renderParamsHash(version, { objective: params.objective, ...optimisation(params), extra });
  return new Map(units.map((unit) => [unit, renderKey(version.contentHash, params.layer, unit, params.objective, hash)]));
}

/** Where a layer's DeepDream goes. */
export function dreamKey(version: RenderedVersion, params: Pick<DreamJobParams, 'layer'> & Optimisation): string {
  return renderKey(version.contentHash, params.layer, 'layer', 'deepdream', renderParamsHash(version, { objective: 'deepdream', ...optimisation(params) }));
}

/** Where a caricature goes: named by the image's content, so it is the same picture whatever dataset holds it. */
export function caricatureKey(version: RenderedVersion, params: Pick<CaricatureJobParams, 'layer'> & Optimisation, imageContentHash: string): string {
  const objective = `caricature.${imageContentHash.slice(0, 16)}`;
  const hash = renderParamsHash(version, { objective, ...optimisation(params), extra: { image: imageContentHash } });
  return renderKey(version.contentHash, params.layer, 'caricature', objective, hash);
}
