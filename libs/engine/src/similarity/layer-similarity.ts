import { MicroscopeError } from '@microscope/contracts';
import {
  LAYER_METRICS,
  chooseSpace,
  minimumImages,
  resolveOptions,
  type LayerMetric,
  type LayerSimilarityOptions,
  type RepresentationSpace,
  type ResolvedOptions,
} from './layer-options';
import { assertSameProbeSet, matrix, type Matrix } from './matrix';
import { columnsOf, rowsOf, type CrossProduct, type Operand } from './operand';
import { prepareLayer, type BlockVisitor, type PreparedLayer } from './prepared-layer';
import { symmetricEigenvalues } from './symmetric-eigen';
import { dot, sum, sumOfSquares } from './vector-math';

export interface SvccaResult {
  /** Mean of the canonical correlations: the SVCCA similarity. */
  readonly mean: number;
  /** Canonical correlations, largest first; min(keptX, keptY) of them. */
  readonly correlations: Float64Array;
  /** Singular directions kept for X and Y. */
  readonly keptX: number;
  readonly keptY: number;
}

export interface LayerSimilarity {
  readonly linearCKA?: number;
  readonly debiasedCKA?: number;
  readonly svcca?: SvccaResult;
}

/** Linear CKA (Kornblith et al. 2019): ‖YcᵀXc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F). */
export function linearCKA(x: Matrix, y: Matrix, options: LayerSimilarityOptions = {}): number {
  return compareLayers(x, y, { ...options, metrics: ['linearCKA'] }).linearCKA as number;
}

/** CKA from the unbiased HSIC estimator (Song et al. 2012), as in Nguyen et al. 2021. Needs ≥ 4 probe images. */
export function debiasedCKA(x: Matrix, y: Matrix, options: LayerSimilarityOptions = {}): number {
  return compareLayers(x, y, { ...options, metrics: ['debiasedCKA'] }).debiasedCKA as number;
}

/** SVCCA (Raghu et al. 2017): keep the singular directions holding varianceKept of each layer's variance, then CCA. */
export function svcca(x: Matrix, y: Matrix, options: LayerSimilarityOptions = {}): SvccaResult {
  return compareLayers(x, y, { ...options, metrics: ['svcca'] }).svcca as SvccaResult;
}

/** The requested metrics between two layers seen on the same probe images. */
export function compareLayers(x: Matrix, y: Matrix, options: LayerSimilarityOptions = {}): LayerSimilarity {
  const resolved = resolveOptions(options);
  assertSameProbeSet(x, y, minimumImages(resolved.metrics));
  const space = chooseSpace([x], [y], options, resolved.metrics);
  const preparedX = prepareLayer(x, space, options);
  return comparePreparedLayers(preparedX, x === y ? preparedX : prepareLayer(y, space, options), options);
}

export interface LayerSimilarityMatrix {
  readonly space: RepresentationSpace;
  /** layersA × layersB for each requested metric; SVCCA's entries are the mean canonical correlations. */
  readonly linearCKA?: Matrix;
  readonly debiasedCKA?: Matrix;
  readonly svcca?: Matrix;
}

/** Every layer of A against every layer of B, preparing each layer once (a layer listed on both sides, once). */
export function layerSimilarityMatrix(
  layersA: readonly Matrix[],
  layersB: readonly Matrix[],
  options: LayerSimilarityOptions = {},
): LayerSimilarityMatrix {
  const resolved = resolveOptions(options);
  const all = [...layersA, ...layersB];
  for (const layer of all) assertSameProbeSet(all[0], layer, minimumImages(resolved.metrics));
  const space = chooseSpace(layersA, layersB, options, resolved.metrics);
  const prepared = new Map<Matrix, PreparedLayer>();
  const prepare = (layer: Matrix) => {
    let entry = prepared.get(layer);
    if (!entry) prepared.set(layer, (entry = prepareLayer(layer, space, options)));
    return entry;
  };
  const tables = new Map<LayerMetric, Float64Array>();
  for (const metric of resolved.metrics) tables.set(metric, new Float64Array(layersA.length * layersB.length));
  layersA.forEach((a, i) => {
    layersB.forEach((b, j) => {
      const result = comparePreparedLayers(prepare(a), prepare(b), options);
      const at = i * layersB.length + j;
      if (result.linearCKA !== undefined) tables.get('linearCKA')![at] = result.linearCKA;
      if (result.debiasedCKA !== undefined) tables.get('debiasedCKA')![at] = result.debiasedCKA;
      if (result.svcca !== undefined) tables.get('svcca')![at] = result.svcca.mean;
    });
  });
  const table = (metric: LayerMetric) => {
    const values = tables.get(metric);
    return values ? matrix(layersA.length, layersB.length, values) : undefined;
  };
  return { space, linearCKA: table('linearCKA'), debiasedCKA: table('debiasedCKA'), svcca: table('svcca') };
}

/** The requested metrics between two prepared layers (same space, same probe images). */
export function comparePreparedLayers(
  a: PreparedLayer,
  b: PreparedLayer,
  options: LayerSimilarityOptions = {},
): LayerSimilarity {
  const resolved = resolveOptions(options);
  if (a.space !== b.space) {
    throw new MicroscopeError('INVALID_INPUT', `cannot compare a layer prepared in '${a.space}' with one in '${b.space}'`);
  }
  if (a.images !== b.images) {
    throw new MicroscopeError('INVALID_INPUT', `layers cover different probe sets: ${a.images} vs ${b.images} images`);
  }
  const wantSvcca = resolved.metrics.has('svcca');
  if (wantSvcca && (!a.svccaBasis || !b.svccaBasis)) {
    throw new MicroscopeError('INVALID_INPUT', 'SVCCA was requested but a layer was prepared without it');
  }
  const n = a.images;
  let crossSquared = 0;
  let canonical: Matrix | null = null; // (Xc·basisX)ᵀ(Yc·basisY), whose singular values are the canonical correlations
  if (a.space === 'gram') {
    crossSquared = dot(a.gram!, b.gram!);
    if (wantSvcca) canonical = productOf(resolved.multiply, columnsOf(a.svccaBasis!), columnsOf(b.svccaBasis!));
  } else {
    // For SVCCA, accumulate (XcᵀYc)·basisY block by block so the units × units product is never held whole.
    const projected = wantSvcca ? new Float64Array(a.units * b.svccaBasis!.cols) : null;
    forEachCrossBlock(a, b, resolved, (rowStart, colStart, rows, cols, values) => {
      crossSquared += sumOfSquares(values);
      if (projected) {
        const basisRows = b.svccaBasis!;
        const kept = basisRows.cols;
        const slice = matrix(cols, kept, basisRows.data.subarray(colStart * kept, (colStart + cols) * kept));
        const part = resolved.multiply(rowsOf(matrix(rows, cols, values)), columnsOf(slice));
        for (let i = 0; i < part.length; i++) projected[rowStart * kept + i] += part[i];
      }
    });
    if (projected) {
      const projectedMatrix = matrix(a.units, b.svccaBasis!.cols, projected);
      canonical = productOf(resolved.multiply, columnsOf(a.svccaBasis!), columnsOf(projectedMatrix));
    }
  }

  const result: { linearCKA?: number; debiasedCKA?: number; svcca?: SvccaResult } = {};
  if (resolved.metrics.has('linearCKA')) {
    result.linearCKA = ratio(crossSquared, a.selfProductSquared * b.selfProductSquared);
  }
  if (resolved.metrics.has('debiasedCKA')) {
    const xy = unbiasedHsic(n, crossSquared, dot(a.rowNormsSquared, b.rowNormsSquared), a.trace, b.trace);
    const xx = unbiasedHsic(n, a.selfProductSquared, dot(a.rowNormsSquared, a.rowNormsSquared), a.trace, a.trace);
    const yy = unbiasedHsic(n, b.selfProductSquared, dot(b.rowNormsSquared, b.rowNormsSquared), b.trace, b.trace);
    result.debiasedCKA = ratio(xy, xx * yy);
  }
  if (canonical) result.svcca = canonicalCorrelations(canonical, resolved.multiply, a.svccaBasis!.cols, b.svccaBasis!.cols);
  return result;
}

/**
 * Song et al.'s unbiased HSIC for linear kernels K = XcXcᵀ, L = YcYcᵀ, written in terms of quantities that do not
 * need the n × n matrices: tr(K̃L̃) = ‖XcᵀYc‖² − Σᵢ KᵢᵢLᵢᵢ, and with centred data 1ᵀK̃1 = −tr K and K̃1 = −diag K.
 * (The estimator is invariant to centring, so centring first changes nothing but the rounding.)
 */
function unbiasedHsic(n: number, crossSquared: number, diagonalDot: number, traceK: number, traceL: number): number {
  const offDiagonal = crossSquared - diagonalDot;
  return (offDiagonal + (traceK * traceL) / ((n - 1) * (n - 2)) - (2 * diagonalDot) / (n - 2)) / (n * (n - 3));
}

/** Singular values of the kx × ky matrix M, via the eigenvalues of the smaller of MMᵀ and MᵀM. */
function canonicalCorrelations(m: Matrix, multiply: CrossProduct, keptX: number, keptY: number): SvccaResult {
  const size = Math.min(keptX, keptY);
  if (size === 0) return { mean: 0, correlations: new Float64Array(0), keptX, keptY };
  const side = keptX <= keptY ? rowsOf(m) : columnsOf(m);
  const squared = multiply(side, side, { symmetric: true });
  const values = symmetricEigenvalues(squared, size);
  const correlations = values.map((v) => Math.min(1, Math.sqrt(Math.max(0, v))));
  return { mean: sum(correlations) / size, correlations, keptX, keptY };
}

/** Blocks of XcᵀYc, rows (X units) outer. */
function forEachCrossBlock(a: PreparedLayer, b: PreparedLayer, options: ResolvedOptions, visit: BlockVisitor): void {
  const chunk = options.chunkUnits;
  for (let rowStart = 0; rowStart < a.units; rowStart += chunk) {
    const rowEnd = Math.min(a.units, rowStart + chunk);
    const left = columnsOf(a.source, { start: rowStart, end: rowEnd, shift: a.means });
    for (let colStart = 0; colStart < b.units; colStart += chunk) {
      const colEnd = Math.min(b.units, colStart + chunk);
      const right = columnsOf(b.source, { start: colStart, end: colEnd, shift: b.means });
      visit(rowStart, colStart, rowEnd - rowStart, colEnd - colStart, options.multiply(left, right));
    }
  }
}

function productOf(multiply: CrossProduct, a: Operand, b: Operand): Matrix {
  return matrix(a.width, b.width, multiply(a, b));
}

/** numerator / sqrt(denominatorSquared), or 0 when a layer has no variance (the ratio is undefined there). */
function ratio(numerator: number, denominatorSquared: number): number {
  return denominatorSquared > 0 ? numerator / Math.sqrt(denominatorSquared) : 0;
}
