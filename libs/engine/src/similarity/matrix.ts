import { MicroscopeError } from '@microscope/contracts';

export type FloatArray = Float32Array | Float64Array;

/**
 * A dense row-major matrix. For activations: one row per probe image, one column per unit, so every matrix
 * of one comparison shares its row order (the probe set) and may differ in its columns (the layer's units).
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: FloatArray;
}

/** Wraps (does not copy) row-major data as a matrix, checking that the sizes agree. */
export function matrix(rows: number, cols: number, data: FloatArray): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new MicroscopeError('INVALID_INPUT', `matrix dimensions must be non-negative integers, got ${rows} × ${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new MicroscopeError(
      'INVALID_INPUT',
      `a ${rows} × ${cols} matrix needs ${rows * cols} values, got ${data.length}`,
    );
  }
  return { rows, cols, data };
}

/** Rejects NaN and ±Infinity up front: one bad activation would otherwise silently poison every score. */
export function assertFinite(m: Matrix, name: string): void {
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / cols);
      throw new MicroscopeError(
        'INVALID_INPUT',
        `${name} has a non-finite value (${data[i]}) at probe image ${row}, unit ${i - row * cols}; ` +
          're-extract the activations or drop that unit',
      );
    }
  }
}

/** Checks that two activation matrices describe the same probe images. */
export function assertSameProbeSet(x: Matrix, y: Matrix, minRows: number): void {
  if (x.rows !== y.rows) {
    throw new MicroscopeError(
      'INVALID_INPUT',
      `activation matrices must cover the same probe images: ${x.rows} rows vs ${y.rows} rows`,
    );
  }
  if (x.rows < minRows) {
    throw new MicroscopeError('INVALID_INPUT', `need at least ${minRows} probe images, got ${x.rows}`);
  }
}

/** Per-column means in float64. */
export function columnMeans(m: Matrix): Float64Array {
  const { rows, cols, data } = m;
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) sums[c] += data[offset + c];
  }
  if (rows > 0) for (let c = 0; c < cols; c++) sums[c] /= rows;
  return sums;
}

/** A copy of the transpose (cols × rows), in float64. */
export function transpose(m: Matrix): Matrix {
  const { rows, cols, data } = m;
  const out = new Float64Array(rows * cols);
  const block = 64; // tiles keep both the reads and the writes within cache lines
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(cols, c0 + block);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = data[r * cols + c];
    }
  }
  return { rows: cols, cols: rows, data: out };
}
