import { MicroscopeError } from '@microscope/contracts';
import { float64CrossProduct } from './float64-cross-product';
import type { Matrix } from './matrix';
import type { CrossProduct } from './operand';

/* Options of the layer ↔ layer metrics, their defaults and limits, and the choice of representation space. */

export type LayerMetric = 'linearCKA' | 'debiasedCKA' | 'svcca';
export const LAYER_METRICS: readonly LayerMetric[] = ['linearCKA', 'debiasedCKA', 'svcca'];

/**
 * Where a layer's second moments are computed. 'features': unit × unit products (cost ∝ images · units²), for
 * probe sets larger than the layer. 'gram': image × image Gram matrices (cost ∝ images² · units), for wide
 * layers such as flattened conv maps. Both give the same numbers.
 */
export type RepresentationSpace = 'features' | 'gram';

export interface LayerSimilarityOptions {
  /** Default: all three. */
  metrics?: readonly LayerMetric[];
  /** SVCCA keeps the top singular directions holding this fraction of the variance (default 0.99). */
  varianceKept?: number;
  /** Default 'auto': the cheaper of the two that fits the limits below. */
  space?: 'auto' | RepresentationSpace;
  /** Units per block of the unit × unit products (default 512); bounds memory for very wide layers. */
  chunkUnits?: number;
  crossProduct?: CrossProduct;
  /** Largest probe set held as an n × n Gram matrix (default 4096: 128 MiB). */
  maxGramImages?: number;
  /** Largest matrix SVCCA will eigendecompose (default 4096; ~6 CPU-seconds at 1,024 here, growing as size³). */
  maxEigenSize?: number;
}

export interface ResolvedOptions {
  readonly metrics: ReadonlySet<LayerMetric>;
  readonly varianceKept: number;
  readonly chunkUnits: number;
  readonly multiply: CrossProduct;
}

const DEFAULT_CHUNK_UNITS = 512;
const DEFAULT_MAX_GRAM_IMAGES = 4096;
export const DEFAULT_MAX_EIGEN_SIZE = 4096;

/** Applies the defaults and rejects options a caller could not have meant. */
export function resolveOptions(options: LayerSimilarityOptions): ResolvedOptions {
  const metrics = new Set(options.metrics ?? LAYER_METRICS);
  for (const metric of metrics) {
    if (!LAYER_METRICS.includes(metric)) {
      throw new MicroscopeError('INVALID_INPUT', `unknown layer metric '${metric}'; use one of ${LAYER_METRICS.join(', ')}`);
    }
  }
  const varianceKept = options.varianceKept ?? 0.99;
  if (!(varianceKept > 0 && varianceKept <= 1)) {
    throw new MicroscopeError('INVALID_INPUT', `varianceKept must be in (0, 1], got ${varianceKept}`);
  }
  const chunkUnits = options.chunkUnits ?? DEFAULT_CHUNK_UNITS;
  if (!Number.isInteger(chunkUnits) || chunkUnits < 1) {
    throw new MicroscopeError('INVALID_INPUT', `chunkUnits must be a positive integer, got ${chunkUnits}`);
  }
  return { metrics, varianceKept, chunkUnits, multiply: options.crossProduct ?? float64CrossProduct };
}

export function minimumImages(metrics: ReadonlySet<LayerMetric>): number {
  return metrics.has('debiasedCKA') ? 4 : 2;
}

/**
 * Picks the space with the smaller operation count among those that fit: features cost ≈ n·(Σ pairs p·q +
 * Σ layers p²/2), Gram ≈ n²·(Σ layers p/2 + pairs); SVCCA adds an eigendecomposition per layer of size p or n.
 */
export function chooseSpace(
  layersA: readonly Matrix[],
  layersB: readonly Matrix[],
  options: LayerSimilarityOptions,
  metrics: ReadonlySet<LayerMetric>,
): RepresentationSpace {
  const n = (layersA[0] ?? layersB[0])?.rows ?? 0;
  const layers = [...new Set([...layersA, ...layersB])];
  const maxGram = options.maxGramImages ?? DEFAULT_MAX_GRAM_IMAGES;
  const maxEigen = options.maxEigenSize ?? DEFAULT_MAX_EIGEN_SIZE;
  const svccaWanted = metrics.has('svcca');
  const featuresFit = !svccaWanted || layers.every((layer) => layer.cols <= maxEigen);
  const gramFits = n <= maxGram && (!svccaWanted || n <= maxEigen);
  if (options.space && options.space !== 'auto') {
    const fits = options.space === 'features' ? featuresFit : gramFits;
    if (!fits) throw tooLarge(options.space, n, maxGram, maxEigen);
    return options.space;
  }
  if (!featuresFit && !gramFits) throw tooLarge('any', n, maxGram, maxEigen);
  if (!gramFits) return 'features';
  if (!featuresFit) return 'gram';
  const pairs = layersA.length * layersB.length;
  let pairUnits = 0;
  for (const a of layersA) for (const b of layersB) pairUnits += a.cols * b.cols;
  const selfFeatures = layers.reduce((s, l) => s + (l.cols * l.cols) / 2 + (svccaWanted ? (4 * l.cols ** 3) / n : 0), 0);
  const selfGram = layers.reduce((s, l) => s + (l.cols * n) / 2 + (svccaWanted ? 4 * n * n : 0), 0);
  const featuresCost = n * (pairUnits + selfFeatures);
  const gramCost = n * (selfGram + n * pairs);
  return gramCost < featuresCost ? 'gram' : 'features';
}

function tooLarge(space: string, n: number, maxGram: number, maxEigen: number): MicroscopeError {
  return new MicroscopeError(
    'TOO_LARGE',
    `layer similarity does not fit in ${space} space (${n} probe images; Gram limit ${maxGram} images, ` +
      `SVCCA limit ${maxEigen} units or images): pool the activations spatially, use fewer probe images, ` +
      'or use minibatch CKA',
  );
}

export function requireEigenSize(size: number, limit: number, what: string): void {
  if (size > limit) {
    throw new MicroscopeError(
      'TOO_LARGE',
      `SVCCA would eigendecompose ${size} ${what}, over the limit of ${limit}; pool the activations or raise maxEigenSize`,
    );
  }
}
