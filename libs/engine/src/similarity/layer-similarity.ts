import { MicroscopeError } from '@microscope/contracts';
import { float64CrossProduct } from './float64-cross-product';
import { assertFinite, assertSameProbeSet, columnMeans, matrix, type Matrix } from './matrix';
import { columnsOf, rowsOf, type CrossProduct, type Operand } from './operand';
import { symmetricEigen, symmetricEigenvalues } from './symmetric-eigen';

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
  /** Largest matrix SVCCA will eigendecompose (default 4096: tens of seconds here). */
  maxEigenSize?: number;
}

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

interface ResolvedOptions {
  readonly metrics: ReadonlySet<LayerMetric>;
  readonly varianceKept: number;
  readonly chunkUnits: number;
  readonly multiply: CrossProduct;
}

/**
 * What one layer contributes to every comparison it takes part in, computed once: its centring, the diagonal of
 * its centred Gram matrix, ‖XcᵀXc‖²_F, and (for SVCCA) a basis of its top singular directions.
 */
export interface PreparedLayer {
  readonly space: RepresentationSpace;
  readonly images: number;
  readonly units: number;
  /** For 'features': the activations and their column means (centring happens while reading). */
  readonly source: Matrix;
  readonly means: Float64Array;
  /** For 'gram': the centred Gram matrix Xc·Xcᵀ, images × images. */
  readonly gram: Float64Array | null;
  /** ‖xᵢ − mean‖² per image: the diagonal of the centred Gram matrix. */
  readonly rowNormsSquared: Float64Array;
  readonly trace: number;
  /** ‖XcᵀXc‖²_F = ‖Xc·Xcᵀ‖²_F. */
  readonly selfProductSquared: number;
  /**
   * For SVCCA: in 'features', units × kept, the top eigenvectors of XcᵀXc divided by their singular values
   * (so Xc·basis has orthonormal columns); in 'gram', images × kept, those orthonormal columns themselves.
   */
  readonly svccaBasis: Matrix | null;
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

/** Computes a layer's share of every comparison. All layers of one comparison must use the same space. */
export function prepareLayer(x: Matrix, space: RepresentationSpace, options: LayerSimilarityOptions = {}): PreparedLayer {
  assertFinite(x, 'the layer activations');
  const resolved = resolveOptions(options);
  const means = columnMeans(x);
  const wantSvcca = resolved.metrics.has('svcca');
  const maxEigenSize = options.maxEigenSize ?? DEFAULT_MAX_EIGEN_SIZE;
  if (space === 'gram') {
    const centredRows = rowsOf(x, { shift: means });
    const gram = resolved.multiply(centredRows, centredRows, { symmetric: true });
    const n = x.rows;
    const rowNormsSquared = new Float64Array(n);
    for (let i = 0; i < n; i++) rowNormsSquared[i] = gram[i * n + i];
    let svccaBasis: Matrix | null = null;
    if (wantSvcca) {
      requireEigenSize(n, maxEigenSize, 'probe images');
      const { values, vectors } = symmetricEigen(gram, n);
      const kept = keptDirections(values, resolved.varianceKept);
      const basis = new Float64Array(n * kept);
      for (let i = 0; i < n; i++) for (let j = 0; j < kept; j++) basis[i * kept + j] = vectors[i * n + j];
      svccaBasis = matrix(n, kept, basis);
    }
    return {
      space,
      images: n,
      units: x.cols,
      source: x,
      means,
      gram,
      rowNormsSquared,
      trace: sum(rowNormsSquared),
      selfProductSquared: sumOfSquares(gram),
      svccaBasis,
    };
  }

  const rowNormsSquared = centredRowNormsSquared(x, means);
  const p = x.cols;
  if (wantSvcca) requireEigenSize(p, maxEigenSize, 'units');
  // The full XcᵀXc is kept only when SVCCA needs its eigenvectors; otherwise its blocks are squared and dropped.
  const covariance = wantSvcca ? new Float64Array(p * p) : null;
  let selfProductSquared = 0;
  forEachSelfBlock(x, means, resolved, (rowStart, colStart, rows, cols, values) => {
    const squares = sumOfSquares(values);
    selfProductSquared += rowStart === colStart ? squares : 2 * squares;
    if (covariance) {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const v = values[r * cols + c];
          covariance[(rowStart + r) * p + colStart + c] = v;
          covariance[(colStart + c) * p + rowStart + r] = v;
        }
      }
    }
  });
  let svccaBasis: Matrix | null = null;
  if (covariance) {
    const { values, vectors } = symmetricEigen(covariance, p);
    const kept = keptDirections(values, resolved.varianceKept);
    const basis = new Float64Array(p * kept);
    for (let j = 0; j < kept; j++) {
      const inverseSingular = 1 / Math.sqrt(values[j]);
      for (let c = 0; c < p; c++) basis[c * kept + j] = vectors[c * p + j] * inverseSingular;
    }
    svccaBasis = matrix(p, kept, basis);
  }
  return {
    space,
    images: x.rows,
    units: p,
    source: x,
    means,
    gram: null,
    rowNormsSquared,
    trace: sum(rowNormsSquared),
    selfProductSquared,
    svccaBasis,
  };
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

/**
 * How many leading directions hold `fraction` of the variance; directions at rounding level (numerical rank)
 * are never kept, since whitening them would amplify noise into spurious perfect correlations.
 */
function keptDirections(eigenvalues: Float64Array, fraction: number): number {
  const total = eigenvalues.reduce((s, v) => s + Math.max(0, v), 0);
  if (total <= 0) return 0;
  const noiseFloor = eigenvalues[0] * eigenvalues.length * 2 ** -52;
  let cumulative = 0;
  let kept = 0;
  while (kept < eigenvalues.length && eigenvalues[kept] > noiseFloor) {
    cumulative += eigenvalues[kept];
    kept++;
    if (cumulative >= fraction * total * (1 - 1e-12)) break;
  }
  return kept;
}

type BlockVisitor = (rowStart: number, colStart: number, rows: number, cols: number, values: Float64Array) => void;

/** Blocks of XcᵀXc on or above the diagonal. */
function forEachSelfBlock(x: Matrix, means: Float64Array, options: ResolvedOptions, visit: BlockVisitor): void {
  const chunk = options.chunkUnits;
  for (let rowStart = 0; rowStart < x.cols; rowStart += chunk) {
    const rowEnd = Math.min(x.cols, rowStart + chunk);
    const left = columnsOf(x, { start: rowStart, end: rowEnd, shift: means });
    for (let colStart = rowStart; colStart < x.cols; colStart += chunk) {
      const colEnd = Math.min(x.cols, colStart + chunk);
      const diagonal = colStart === rowStart;
      const right = diagonal ? left : columnsOf(x, { start: colStart, end: colEnd, shift: means });
      visit(rowStart, colStart, rowEnd - rowStart, colEnd - colStart, options.multiply(left, right, { symmetric: diagonal }));
    }
  }
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

const DEFAULT_CHUNK_UNITS = 512;
const DEFAULT_MAX_GRAM_IMAGES = 4096;
const DEFAULT_MAX_EIGEN_SIZE = 4096;

function resolveOptions(options: LayerSimilarityOptions): ResolvedOptions {
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

function minimumImages(metrics: ReadonlySet<LayerMetric>): number {
  return metrics.has('debiasedCKA') ? 4 : 2;
}

/**
 * Picks the space with the smaller operation count among those that fit: features cost ≈ n·(Σ pairs p·q +
 * Σ layers p²/2), Gram ≈ n²·(Σ layers p/2 + pairs); SVCCA adds an eigendecomposition per layer of size p or n.
 */
function chooseSpace(
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

function requireEigenSize(size: number, limit: number, what: string): void {
  if (size > limit) {
    throw new MicroscopeError(
      'TOO_LARGE',
      `SVCCA would eigendecompose ${size} ${what}, over the limit of ${limit}; pool the activations or raise maxEigenSize`,
    );
  }
}

function centredRowNormsSquared(x: Matrix, means: Float64Array): Float64Array {
  const { rows, cols, data } = x;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const d = data[r * cols + c] - means[c];
      s += d * d;
    }
    out[r] = s;
  }
  return out;
}

function productOf(multiply: CrossProduct, a: Operand, b: Operand): Matrix {
  return matrix(a.width, b.width, multiply(a, b));
}

/** numerator / sqrt(denominatorSquared), or 0 when a layer has no variance (the ratio is undefined there). */
function ratio(numerator: number, denominatorSquared: number): number {
  return denominatorSquared > 0 ? numerator / Math.sqrt(denominatorSquared) : 0;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function sum(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

function sumOfSquares(values: Float64Array): number {
  return dot(values, values);
}
