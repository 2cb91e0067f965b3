import { pearsonCorrelation } from './correlation';
import { hungarianMatch } from './hungarian';
import { debiasedCKA, linearCKA, svcca } from './layer-similarity';
import { matrix, type Matrix } from './matrix';
import { permuteColumns, randomMatrix, shuffled } from './testing/random';

/** The best total over every injective row → column map (or column → row when rows > cols). */
function bruteForceBest(m: Matrix, maximize: boolean): number {
  const { rows, cols, data } = m;
  const at = (r: number, c: number) => data[r * cols + c];
  const small = Math.min(rows, cols);
  const large = Math.max(rows, cols);
  const used = new Array(large).fill(false);
  let best = maximize ? -Infinity : Infinity;
  const visit = (i: number, sum: number) => {
    if (i === small) {
      best = maximize ? Math.max(best, sum) : Math.min(best, sum);
      return;
    }
    for (let j = 0; j < large; j++) {
      if (used[j]) continue;
      used[j] = true;
      visit(i + 1, sum + (rows <= cols ? at(i, j) : at(j, i)));
      used[j] = false;
    }
  };
  visit(0, 0);
  return best;
}

function checkIsMatching(rowToCol: Int32Array, colToRow: Int32Array, rows: number, cols: number): void {
  const assignedRows = Array.from(rowToCol).filter((c) => c >= 0);
  expect(assignedRows).toHaveLength(Math.min(rows, cols));
  expect(new Set(assignedRows).size).toBe(assignedRows.length);
  rowToCol.forEach((c, r) => {
    if (c >= 0) expect(colToRow[c]).toBe(r);
  });
}

describe('hungarianMatch', () => {
  const shapes: Array<[number, number]> = [[1, 1], [1, 4], [3, 3], [4, 6], [6, 4], [7, 7], [5, 8], [8, 3]];
  it.each(shapes)('finds the best total of a random %i × %i matrix (brute force over all matchings)', (rows, cols) => {
    for (let seed = 0; seed < 5; seed++) {
      const m = randomMatrix(rows, cols, 1000 * rows + 10 * cols + seed);
      for (const maximize of [true, false]) {
        const { rowToCol, colToRow, total } = hungarianMatch(m, { maximize });
        checkIsMatching(rowToCol, colToRow, rows, cols);
        let recomputed = 0;
        rowToCol.forEach((c, r) => (recomputed += c >= 0 ? m.data[r * cols + c] : 0));
        expect(total).toBeCloseTo(recomputed, 12);
        expect(Math.abs(total - bruteForceBest(m, maximize))).toBeLessThan(1e-12);
      }
    }
  });

  it('handles ties and integer costs (the classic 3 × 3 example)', () => {
    const costs = matrix(3, 3, Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]));
    const { rowToCol, total } = hungarianMatch(costs, { maximize: false });
    expect(total).toBe(5);
    expect(Array.from(rowToCol)).toEqual([1, 0, 2]);
  });

  it('refuses non-finite scores', () => {
    expect(() => hungarianMatch(matrix(1, 2, Float64Array.from([1, NaN])))).toThrow(/non-finite/);
  });
});

describe('a planted permutation (version B = version A with its units shuffled)', () => {
  const a = randomMatrix(200, 32, 11);
  const order = shuffled(32, 12);
  const b = permuteColumns(a, order); // unit j of B is unit order[j] of A
  const b32 = matrix(200, 32, Float32Array.from(b.data));

  it('is recovered exactly by one-to-one matching, every pair with correlation 1', () => {
    for (const version of [b, b32]) {
      const correlation = pearsonCorrelation(matrix(200, 32, Float32Array.from(a.data)), version);
      const { rowToCol, colToRow } = hungarianMatch(correlation.matrix!);
      for (let j = 0; j < 32; j++) {
        expect(colToRow[j]).toBe(order[j]);
        expect(rowToCol[order[j]]).toBe(j);
        expect(correlation.matrix!.data[order[j] * 32 + j]).toBeGreaterThan(1 - 1e-12);
      }
    }
  });

  it('has CKA, debiased CKA and SVCCA 1', () => {
    expect(linearCKA(a, b)).toBeCloseTo(1, 12);
    expect(debiasedCKA(a, b)).toBeCloseTo(1, 12);
    expect(svcca(a, b).mean).toBeCloseTo(1, 10);
  });
});
