import type { Matrix } from './matrix';

/**
 * One side of a product Aᵀ·B, read lazily: `depth` is the summed-over dimension, `width` the side's output
 * dimension. Operands transform values while they are read (centring, standardising), so the big activation
 * matrices are never copied whole: a product holds only one block of `depth` rows at a time.
 */
export interface Operand {
  readonly depth: number;
  readonly width: number;
  /** Writes depth rows [start, start + count) as a count × width row-major block. */
  fill(start: number, count: number, out: Float64Array): void;
}

export interface ColumnOptions {
  /** First and one-past-last column of the matrix to use (default: all). */
  start?: number;
  end?: number;
  /** Subtracted from each column (indexed by the matrix's column, not the slice's). */
  shift?: Float64Array;
  /** Multiplies each column after the shift (indexed like shift). */
  scale?: Float64Array;
}

/** The columns of X as an operand whose depth runs over X's rows: Xᵀ·Y sums over probe images. */
export function columnsOf(x: Matrix, options: ColumnOptions = {}): Operand {
  const start = options.start ?? 0;
  const end = options.end ?? x.cols;
  const { shift, scale } = options;
  const { cols, data } = x;
  const width = end - start;
  return {
    depth: x.rows,
    width,
    fill(first, count, out) {
      for (let k = 0; k < count; k++) {
        const from = (first + k) * cols + start;
        const to = k * width;
        if (shift && scale) for (let c = 0; c < width; c++) out[to + c] = (data[from + c] - shift[start + c]) * scale[start + c];
        else if (shift) for (let c = 0; c < width; c++) out[to + c] = data[from + c] - shift[start + c];
        else if (scale) for (let c = 0; c < width; c++) out[to + c] = data[from + c] * scale[start + c];
        else for (let c = 0; c < width; c++) out[to + c] = data[from + c];
      }
    },
  };
}

export interface RowOptions {
  /** First and one-past-last row of the matrix to use (default: all). */
  start?: number;
  end?: number;
  /** Subtracted from each column of X (e.g. the column means, to centre). */
  shift?: Float64Array;
}

/** The rows of X as an operand whose depth runs over X's columns: X·Xᵀ (a Gram matrix) sums over units. */
export function rowsOf(x: Matrix, options: RowOptions = {}): Operand {
  const start = options.start ?? 0;
  const end = options.end ?? x.rows;
  const { shift } = options;
  const { cols, data } = x;
  const width = end - start;
  return {
    depth: cols,
    width,
    fill(first, count, out) {
      // Walk each source row contiguously; the writes stride by width.
      for (let r = 0; r < width; r++) {
        const from = (start + r) * cols + first;
        if (shift) for (let k = 0; k < count; k++) out[k * width + r] = data[from + k] - shift[first + k];
        else for (let k = 0; k < count; k++) out[k * width + r] = data[from + k];
      }
    },
  };
}

/** Computes Aᵀ·B (a.width × b.width, row-major, float64). `symmetric` promises a === b, so half can be skipped. */
export type CrossProduct = (a: Operand, b: Operand, options?: { symmetric?: boolean }) => Float64Array;
