import { debiasedCKA } from './layer-similarity';
import { matrix, type Matrix } from './matrix';
import { MinibatchCKA, batchRanges, minibatchCKA } from './minibatch-cka';
import { multiply, randomMatrix, randomOrthogonal, scaled } from './testing/random';
import { linearGram, unbiasedHsic } from './testing/textbook';

function rows(x: Matrix, start: number, end: number): Matrix {
  return matrix(end - start, x.cols, x.data.slice(start * x.cols, end * x.cols));
}

/** Nguyen et al.'s definition spelled out: Song's HSIC₁ on each batch's explicit Gram matrices, averaged. */
function minibatchTextbook(x: Matrix, y: Matrix, ranges: Array<[number, number]>): number {
  let xy = 0, xx = 0, yy = 0;
  for (const [start, end] of ranges) {
    const k = linearGram(rows(x, start, end));
    const l = linearGram(rows(y, start, end));
    xy += unbiasedHsic(k, l);
    xx += unbiasedHsic(k, k);
    yy += unbiasedHsic(l, l);
  }
  return xy / Math.sqrt(xx * yy);
}

describe('minibatch CKA', () => {
  const x = randomMatrix(103, 9, 1);
  const y = matrix(103, 6, multiply(x, randomMatrix(9, 6, 2)).data.map((v, i) => v + randomMatrix(103, 6, 3).data[i]));

  it('matches the averaged textbook estimator', () => {
    const ranges = batchRanges(103, 25);
    expect(ranges).toEqual([[0, 25], [25, 50], [50, 75], [75, 103]]); // a 3-image tail joins the last batch
    expect(Math.abs(minibatchCKA(x, y, { batchSize: 25 }) - minibatchTextbook(x, y, ranges))).toBeLessThan(1e-12);
  });

  it('with a single batch is the debiased CKA of the whole probe set', () => {
    expect(Math.abs(minibatchCKA(x, y, { batchSize: 1000 }) - debiasedCKA(x, y))).toBeLessThan(1e-12);
  });

  it('is unchanged by orthogonal transforms and isotropic scaling', () => {
    const rotated = scaled(multiply(x, randomOrthogonal(9, 4)), 0.01);
    expect(Math.abs(minibatchCKA(rotated, y, { batchSize: 20 }) - minibatchCKA(x, y, { batchSize: 20 }))).toBeLessThan(1e-12);
  });

  it('accumulates a whole layer × layer matrix batch by batch, as pairwise runs would', () => {
    const layersA = [x, y];
    const layersB = [y, randomMatrix(103, 4, 5), x];
    const accumulator = new MinibatchCKA(2, 3);
    for (const [start, end] of batchRanges(103, 30)) {
      accumulator.add(layersA.map((l) => rows(l, start, end)), layersB.map((l) => rows(l, start, end)));
    }
    expect(accumulator.batches).toBe(4); // 30 + 30 + 30 + 13
    const table = accumulator.result();
    layersA.forEach((a, i) =>
      layersB.forEach((b, j) => {
        expect(Math.abs(table.data[i * 3 + j] - minibatchCKA(a, b, { batchSize: 30 }))).toBeLessThan(1e-12);
      }),
    );
    expect(table.data[0 * 3 + 2]).toBeCloseTo(1, 12);
  });

  it('refuses batches too small for the estimator, mismatched layers and empty results', () => {
    const accumulator = new MinibatchCKA(1, 1);
    expect(() => accumulator.result()).toThrow(/no batches/);
    expect(() => accumulator.add([rows(x, 0, 3)], [rows(y, 0, 3)])).toThrow(/at least 4/);
    expect(() => accumulator.add([rows(x, 0, 5)], [rows(y, 0, 6)])).toThrow(/same probe images/);
    expect(() => accumulator.add([rows(x, 0, 5), rows(x, 0, 5)], [rows(y, 0, 5)])).toThrow(/layers per batch/);
    expect(() => minibatchCKA(x, y, { batchSize: 2 })).toThrow(/at least 4/);
  });
});
