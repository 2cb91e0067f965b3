import { MicroscopeError } from '@microscope/contracts';
import { columnStats, unitNormScales } from './column-stats';
import { float64CrossProduct } from './float64-cross-product';
import { assertFinite, assertSameProbeSet, matrix, type Matrix } from './matrix';
import { columnsOf, type CrossProduct } from './operand';

/** A rectangle of the unit × unit correlation matrix: X units [rowStart, rowStart + rows) × Y units [colStart, …). */
export interface CorrelationBlock {
  readonly rowStart: number;
  readonly colStart: number;
  readonly rows: number;
  readonly cols: number;
  /** rows × cols, row-major. */
  readonly values: Float64Array;
}

export interface CorrelationOptions {
  /**
   * Units per side of each block (default 512). Memory per block: the chunkUnits² result, plus packing buffers of
   * 256 images × chunkUnits (float64 kernel) or probe images × chunkUnits (tfjs); inputs are never copied whole.
   */
  chunkUnits?: number;
  /** Receives every block once, in order; when given, the full matrix is not assembled. */
  onBlock?: (block: CorrelationBlock) => void;
  /** Matrix product to use (default: the float64 JavaScript kernel). */
  crossProduct?: CrossProduct;
  /** Largest full matrix that will be assembled without onBlock (default 2^25 entries, 256 MiB). */
  maxEntries?: number;
}

export interface CorrelationResult {
  /** X units × Y units; null when the blocks were streamed to onBlock. */
  readonly matrix: Matrix | null;
  readonly rows: number;
  readonly cols: number;
  /** 1 for units constant over the probe set: their correlations are reported as 0. */
  readonly deadX: Uint8Array;
  readonly deadY: Uint8Array;
}

const DEFAULT_CHUNK_UNITS = 512;
const DEFAULT_MAX_ENTRIES = 2 ** 25;

/**
 * Pearson correlation of every unit of X with every unit of Y over the same probe images. Columns are
 * standardised to zero mean and unit norm while they are read, so each block is one product Zxᵀ·Zy; neither
 * input is copied whole. Values are clamped to [−1, 1] against rounding.
 */
export function pearsonCorrelation(x: Matrix, y: Matrix, options: CorrelationOptions = {}): CorrelationResult {
  assertSameProbeSet(x, y, 2);
  assertFinite(x, 'X');
  assertFinite(y, 'Y');
  const chunk = options.chunkUnits ?? DEFAULT_CHUNK_UNITS;
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new MicroscopeError('INVALID_INPUT', `chunkUnits must be a positive integer, got ${chunk}`);
  }
  const multiply = options.crossProduct ?? float64CrossProduct;
  const p = x.cols;
  const q = y.cols;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!options.onBlock && p * q > maxEntries) {
    throw new MicroscopeError(
      'TOO_LARGE',
      `a ${p} × ${q} correlation matrix is more than ${maxEntries} entries; pass onBlock to stream it in chunks`,
    );
  }

  const statsX = columnStats(x);
  const statsY = columnStats(y);
  const scaleX = unitNormScales(statsX);
  const scaleY = unitNormScales(statsY);
  const full = options.onBlock ? null : new Float64Array(p * q);

  for (let rowStart = 0; rowStart < p; rowStart += chunk) {
    const rowEnd = Math.min(p, rowStart + chunk);
    const left = columnsOf(x, { start: rowStart, end: rowEnd, shift: statsX.mean, scale: scaleX });
    for (let colStart = 0; colStart < q; colStart += chunk) {
      const colEnd = Math.min(q, colStart + chunk);
      const right = columnsOf(y, { start: colStart, end: colEnd, shift: statsY.mean, scale: scaleY });
      const values = multiply(left, right);
      for (let i = 0; i < values.length; i++) values[i] = Math.max(-1, Math.min(1, values[i]));
      const block = { rowStart, colStart, rows: rowEnd - rowStart, cols: colEnd - colStart, values };
      if (full) copyBlock(block, full, q);
      else options.onBlock?.(block);
    }
  }
  return { matrix: full ? matrix(p, q, full) : null, rows: p, cols: q, deadX: statsX.dead, deadY: statsY.dead };
}

function copyBlock(block: CorrelationBlock, into: Float64Array, stride: number): void {
  for (let r = 0; r < block.rows; r++) {
    into.set(block.values.subarray(r * block.cols, (r + 1) * block.cols), (block.rowStart + r) * stride + block.colStart);
  }
}
