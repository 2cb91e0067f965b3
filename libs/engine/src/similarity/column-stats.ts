import type { Matrix } from './matrix';

/**
 * A unit whose standard deviation is below this fraction of its largest |activation| is dead (constant on the
 * probe set). Float32 activations that genuinely vary differ by at least one float32 ulp (~6e-8 relative), so
 * this only catches float64 rounding noise on constants, and exact constants (std 0) always.
 */
const DEAD_RELATIVE_STD = 1e-9;

export interface ColumnStats {
  readonly mean: Float64Array;
  /** sqrt(Σ (x − mean)²): the column's Euclidean norm after centring. */
  readonly centredNorm: Float64Array;
  /** 1 where the unit is constant over the probe set. */
  readonly dead: Uint8Array;
  readonly deadCount: number;
}

/** Means and centred norms per column, two-pass in float64 (no cancellation from Σx² − n·mean²). */
export function columnStats(m: Matrix): ColumnStats {
  const { rows, cols, data } = m;
  const mean = new Float64Array(cols);
  const maxAbs = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = data[offset + c];
      mean[c] += v;
      const magnitude = Math.abs(v);
      if (magnitude > maxAbs[c]) maxAbs[c] = magnitude;
    }
  }
  if (rows > 0) for (let c = 0; c < cols; c++) mean[c] /= rows;
  const sumSquares = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) {
      const d = data[offset + c] - mean[c];
      sumSquares[c] += d * d;
    }
  }
  const centredNorm = new Float64Array(cols);
  const dead = new Uint8Array(cols);
  let deadCount = 0;
  for (let c = 0; c < cols; c++) {
    centredNorm[c] = Math.sqrt(sumSquares[c]);
    const std = rows > 0 ? centredNorm[c] / Math.sqrt(rows) : 0;
    if (std <= DEAD_RELATIVE_STD * maxAbs[c]) {
      dead[c] = 1;
      deadCount++;
    }
  }
  return { mean, centredNorm, dead, deadCount };
}

/** Scale factors that turn centred columns into unit-norm ones; 0 for dead columns, so they correlate 0 with all. */
export function unitNormScales(stats: ColumnStats): Float64Array {
  const scale = new Float64Array(stats.mean.length);
  for (let c = 0; c < scale.length; c++) scale[c] = stats.dead[c] ? 0 : 1 / stats.centredNorm[c];
  return scale;
}
