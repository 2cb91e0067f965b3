import {
  DEFAULT_MAX_EIGEN_SIZE,
  requireEigenSize,
  resolveOptions,
  type LayerSimilarityOptions,
  type RepresentationSpace,
  type ResolvedOptions,
} from './layer-options';
import { assertFinite, columnMeans, matrix, type Matrix } from './matrix';
import { columnsOf, rowsOf } from './operand';
import { symmetricEigen } from './symmetric-eigen';
import { sum, sumOfSquares } from './vector-math';

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

export type BlockVisitor = (rowStart: number, colStart: number, rows: number, cols: number, values: Float64Array) => void;

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
