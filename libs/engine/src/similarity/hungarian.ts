import { MicroscopeError } from '@microscope/contracts';
import { assertFinite, type Matrix } from './matrix';

export interface Assignment {
  /** For each row, its column, or −1 when there are more rows than columns and it was left out. */
  readonly rowToCol: Int32Array;
  /** For each column, its row, or −1. */
  readonly colToRow: Int32Array;
  /** Sum of the matrix entries of the assigned pairs. */
  readonly total: number;
}

export interface HungarianOptions {
  /** true (default): maximise the total, as for correlations; false: minimise it, as for costs. */
  maximize?: boolean;
}

/**
 * One-to-one assignment of rows to columns of a rectangular matrix with the best total (Li et al. 2015 match
 * units of two networks this way, maximising summed correlation). Shortest augmenting paths with dual potentials
 * (Kuhn–Munkres in the Jonker–Volgenant form), O(r² · c) for r ≤ c: every row is assigned to a distinct column;
 * with more rows than columns, every column gets a distinct row.
 */
export function hungarianMatch(scores: Matrix, options: HungarianOptions = {}): Assignment {
  assertFinite(scores, 'the score matrix');
  const maximize = options.maximize ?? true;
  const { rows, cols, data } = scores;
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  // The r ≤ c problem as a flat n × m cost matrix, in the orientation and sign the solver minimises.
  const sign = maximize ? -1 : 1;
  const cost = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) cost[i * m + j] = sign * (transposed ? data[j * cols + i] : data[i * cols + j]);
  }

  const assigned = solveMinCost(n, m, cost);
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = assigned[i];
    const row = transposed ? j : i;
    const col = transposed ? i : j;
    rowToCol[row] = col;
    colToRow[col] = row;
    total += data[row * cols + col];
  }
  return { rowToCol, colToRow, total };
}

/**
 * Minimum-cost assignment of n rows into m ≥ n columns; returns the column of each row. Columns are numbered
 * from 1 inside, with column 0 a virtual start that holds the row being inserted.
 */
function solveMinCost(n: number, m: number, cost: Float64Array): Int32Array {
  const rowPotential = new Float64Array(n + 1);
  const colPotential = new Float64Array(m + 1);
  const rowOfCol = new Int32Array(m + 1); // 0 = free
  const previousCol = new Int32Array(m + 1); // the augmenting path, walked back from its end
  const slack = new Float64Array(m + 1);
  const visited = new Uint8Array(m + 1);

  for (let row = 1; row <= n; row++) {
    rowOfCol[0] = row;
    let col = 0;
    slack.fill(Infinity);
    visited.fill(0);
    // Grow a shortest-path tree from the new row until it reaches a free column.
    do {
      visited[col] = 1;
      const i = rowOfCol[col];
      let delta = Infinity;
      let next = -1;
      const costRow = (i - 1) * m - 1;
      for (let j = 1; j <= m; j++) {
        if (visited[j]) continue;
        const reduced = cost[costRow + j] - rowPotential[i] - colPotential[j];
        if (reduced < slack[j]) {
          slack[j] = reduced;
          previousCol[j] = col;
        }
        if (slack[j] < delta) {
          delta = slack[j];
          next = j;
        }
      }
      if (next < 0) throw new MicroscopeError('INTERNAL', 'assignment found no augmenting path');
      for (let j = 0; j <= m; j++) {
        if (visited[j]) {
          rowPotential[rowOfCol[j]] += delta;
          colPotential[j] -= delta;
        } else {
          slack[j] -= delta;
        }
      }
      col = next;
    } while (rowOfCol[col] !== 0);
    // Flip the path: each column on it takes the row of its predecessor.
    do {
      const before = previousCol[col];
      rowOfCol[col] = rowOfCol[before];
      col = before;
    } while (col !== 0);
  }

  const colOfRow = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (rowOfCol[j] !== 0) colOfRow[rowOfCol[j] - 1] = j - 1;
  return colOfRow;
}
