import { MicroscopeError, type SimilarityMetric } from '@microscope/contracts';
import {
  columnStats,
  comparePreparedLayers,
  hungarianMatch,
  matrix,
  pearsonCorrelation,
  prepareLayer,
  TopMatchAccumulator,
  type CrossProduct,
  type LayerMetric,
  type Matrix,
  type PreparedLayer,
  type TopMatches,
} from '@microscope/engine';

/** The contract's metric names (what users type and the warehouse stores) → the engine's. */
export const ENGINE_METRIC: Record<SimilarityMetric, LayerMetric> = { cka: 'linearCKA', dcka: 'debiasedCKA', svcca: 'svcca' };

export interface ComparedLayer {
  name: string;
  units: number;
}

/** Unit correlation and layer similarity of one layer of A with one layer of B. */
export interface LayerPairResult {
  layerA: string;
  layerB: string;
  similarity: Partial<Record<SimilarityMetric, number>>;
  /** Best k units of the other layer for every unit, both ways; dead (constant) units have none and are none. */
  matches: TopMatches;
}

/** A one-to-one (Hungarian) matching of a layer of A with its counterpart in B: pairs of live units. */
export interface OneToOneResult {
  layerA: string;
  layerB: string;
  pairs: { unitA: number; unitB: number; correlation: number }[];
}

export interface CompareLayersOptions {
  metrics: readonly SimilarityMetric[];
  topK: number;
  /** Probe images: the rows of every matrix. */
  images: number;
  crossProduct: CrossProduct;
  /** Bytes of B's prepared layers held at once; more are processed in groups, re-reading A per group. */
  memoryBudgetBytes: number;
  /** SVCCA eigendecomposes a units × units matrix; wider layers get CKA only (default 4096). */
  maxSvccaUnits?: number;
  /** Hungarian matching is O(n³); pairs whose smaller side has more live units are left unmatched (default 2048). */
  maxOneToOneUnits?: number;
  onPair(result: LayerPairResult): Promise<void>;
  onOneToOne(result: OneToOneResult): Promise<void>;
  /** Called after every unit of work (a layer pair or a one-to-one matching). */
  onProgress?(done: number, total: number, what: string): Promise<void>;
}

export interface CompareLayersSummary {
  pairs: number;
  oneToOne: number;
  /** Notes on what was left out and why (too wide for SVCCA or for a one-to-one matching). */
  skipped: string[];
}

/** Loads one layer's pooled activation matrix (probe images × units). */
export type LayerLoader = (side: 'a' | 'b', layer: ComparedLayer) => Promise<Matrix>;

interface Loaded {
  layer: ComparedLayer;
  matrix: Matrix;
  /** 1 for units constant over the probe set. */
  dead: Uint8Array;
}
interface Prepared extends Loaded {
  prepared: PreparedLayer;
}

/** The largest correlation matrix assembled whole for a one-to-one matching (2^24 entries: 128 MiB). */
const MAX_ONE_TO_ONE_ENTRIES = 2 ** 24;

/**
 * Compares every layer of A with every layer of B: the unit × unit correlation streamed block by block into the
 * top-k matches both ways, and the layer similarity for every metric, from layers prepared once per group. Then
 * each layer of A is matched one-to-one with its counterpart in B (the layer of the same name, or else the most
 * similar one) by the Hungarian method on the unit correlations, as in Li et al. 2015.
 *
 * Memory: B's layers are prepared in groups that fit the budget while A's layers stream past one at a time, so
 * neither version is held whole unless it fits.
 */
export async function compareLayers(
  layersA: readonly ComparedLayer[],
  layersB: readonly ComparedLayer[],
  load: LayerLoader,
  options: CompareLayersOptions,
): Promise<CompareLayersSummary> {
  const minImages = options.metrics.includes('dcka') ? 4 : 2;
  if (options.images < minImages) {
    throw new MicroscopeError('INVALID_INPUT', `comparing needs a probe dataset of at least ${minImages} images, this one has ${options.images}`);
  }
  const maxSvccaUnits = options.maxSvccaUnits ?? 4096;
  const maxOneToOneUnits = options.maxOneToOneUnits ?? 2048;
  const skipped: string[] = [];
  const tooWide = [...layersA, ...layersB].filter((l) => options.metrics.includes('svcca') && l.units > maxSvccaUnits);
  if (tooWide.length) skipped.push(`SVCCA left out for layers wider than ${maxSvccaUnits} units: ${[...new Set(tooWide.map((l) => l.name))].join(', ')}`);

  const total = layersA.length * layersB.length + layersA.length;
  let done = 0;
  const step = async (what: string) => {
    done++;
    await options.onProgress?.(done, total, what);
    // Let the API and the bus breathe between pairs: the products themselves are synchronous.
    await new Promise((resolve) => setImmediate(resolve));
  };

  const loadLive = async (side: 'a' | 'b', layer: ComparedLayer): Promise<Loaded> => {
    const x = await load(side, layer);
    return { layer, matrix: x, dead: columnStats(x).dead };
  };
  const prepare = async (side: 'a' | 'b', layer: ComparedLayer): Promise<Prepared> => {
    const loaded = await loadLive(side, layer);
    const metrics = options.metrics.filter((m) => m !== 'svcca' || layer.units <= maxSvccaUnits).map((m) => ENGINE_METRIC[m]);
    const prepared = prepareLayer(loaded.matrix, 'features', { metrics, crossProduct: options.crossProduct, maxEigenSize: maxSvccaUnits });
    return { ...loaded, prepared };
  };

  // Phase 1: every pair, in groups of B layers that fit the budget.
  const similarity = new Map<string, LayerPairResult['similarity']>();
  for (const group of groupsWithinBudget(layersB, options)) {
    const preparedB = [];
    for (const layer of group) preparedB.push(await prepare('b', layer));
    for (const layerA of layersA) {
      const a = await prepare('a', layerA);
      for (const b of preparedB) {
        const result = comparePair(a, b, options);
        similarity.set(pairKey(layerA.name, b.layer.name), result.similarity);
        await options.onPair(result);
        await step(`${layerA.name} × ${b.layer.name}`);
      }
    }
  }

  // Phase 2: one-to-one matching of each layer of A with its counterpart.
  let oneToOne = 0;
  for (const layerA of layersA) {
    const counterpart = counterpartOf(layerA, layersB, similarity, options.metrics);
    if (counterpart) {
      const a = await loadLive('a', layerA);
      const b = await loadLive('b', counterpart);
      const liveA = a.dead.reduce((n, d) => n + (d ? 0 : 1), 0);
      const liveB = b.dead.reduce((n, d) => n + (d ? 0 : 1), 0);
      if (Math.min(liveA, liveB) > maxOneToOneUnits || layerA.units * counterpart.units > MAX_ONE_TO_ONE_ENTRIES) {
        skipped.push(`no one-to-one matching of ${layerA.name} with ${counterpart.name}: too many units (at most ${maxOneToOneUnits} on the smaller side)`);
      } else if (liveA > 0 && liveB > 0) {
        await options.onOneToOne(matchOneToOne(a, b, options.crossProduct));
        oneToOne++;
      }
    }
    await step(`one-to-one ${layerA.name}`);
  }
  return { pairs: layersA.length * layersB.length, oneToOne, skipped };
}

function comparePair(a: Prepared, b: Prepared, options: CompareLayersOptions): LayerPairResult {
  const accumulator = new TopMatchAccumulator(a.layer.units, b.layer.units, options.topK, { excludeX: a.dead, excludeY: b.dead });
  pearsonCorrelation(a.matrix, b.matrix, { crossProduct: options.crossProduct, onBlock: (block) => accumulator.add(block) });
  const metrics = options.metrics.filter((m) => m !== 'svcca' || (a.prepared.svccaBasis && b.prepared.svccaBasis));
  const values = comparePreparedLayers(a.prepared, b.prepared, { metrics: metrics.map((m) => ENGINE_METRIC[m]), crossProduct: options.crossProduct });
  const similarity: LayerPairResult['similarity'] = {};
  if (values.linearCKA !== undefined) similarity.cka = values.linearCKA;
  if (values.debiasedCKA !== undefined) similarity.dcka = values.debiasedCKA;
  if (values.svcca !== undefined) similarity.svcca = values.svcca.mean;
  return { layerA: a.layer.name, layerB: b.layer.name, similarity, matches: accumulator.result() };
}

/** The Hungarian assignment maximising summed correlation, over live units only (a dead unit matches nothing). */
function matchOneToOne(a: Loaded, b: Loaded, crossProduct: CrossProduct): OneToOneResult {
  const liveA = liveIndices(a.dead);
  const liveB = liveIndices(b.dead);
  const { matrix: correlation } = pearsonCorrelation(a.matrix, b.matrix, { crossProduct, maxEntries: MAX_ONE_TO_ONE_ENTRIES });
  const q = b.layer.units;
  const scores = new Float64Array(liveA.length * liveB.length);
  liveA.forEach((ua, i) => liveB.forEach((ub, j) => (scores[i * liveB.length + j] = correlation!.data[ua * q + ub])));
  const assignment = hungarianMatch(matrix(liveA.length, liveB.length, scores));
  const pairs: OneToOneResult['pairs'] = [];
  assignment.rowToCol.forEach((j, i) => {
    if (j >= 0) pairs.push({ unitA: liveA[i], unitB: liveB[j], correlation: scores[i * liveB.length + j] });
  });
  return { layerA: a.layer.name, layerB: b.layer.name, pairs };
}

/** The same-named layer of B, or else the one most similar to layerA by the first metric computed. */
function counterpartOf(
  layerA: ComparedLayer,
  layersB: readonly ComparedLayer[],
  similarity: Map<string, LayerPairResult['similarity']>,
  metrics: readonly SimilarityMetric[],
): ComparedLayer | null {
  const sameName = layersB.find((l) => l.name === layerA.name);
  if (sameName) return sameName;
  const metric = metrics[0];
  let best: ComparedLayer | null = null;
  let bestValue = -Infinity;
  for (const layerB of layersB) {
    const value = similarity.get(pairKey(layerA.name, layerB.name))?.[metric] ?? -Infinity;
    if (value > bestValue) [best, bestValue] = [layerB, value];
  }
  return best;
}

/** Consecutive groups of layers whose prepared size (matrix, plus the SVCCA basis) fits half the budget. */
function groupsWithinBudget(layers: readonly ComparedLayer[], options: CompareLayersOptions): ComparedLayer[][] {
  const budget = options.memoryBudgetBytes / 2; // the other half: one layer of A and the products in flight
  const groups: ComparedLayer[][] = [];
  let current: ComparedLayer[] = [];
  let bytes = 0;
  for (const layer of layers) {
    const size = options.images * layer.units * 4 + (options.metrics.includes('svcca') ? layer.units * layer.units * 8 : 0);
    if (current.length && bytes + size > budget) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(layer);
    bytes += size;
  }
  if (current.length) groups.push(current);
  return groups;
}

const liveIndices = (dead: Uint8Array): number[] => Array.from(dead.keys()).filter((i) => !dead[i]);
const pairKey = (a: string, b: string) => `${a}\u0000${b}`;
