import { isMicroscopeError } from '@microscope/contracts';
import {
  compareLayers,
  debiasedCKA,
  layerSimilarityMatrix,
  linearCKA,
  svcca,
} from './layer-similarity';
import type { RepresentationSpace } from './layer-options';
import { matrix, type Matrix } from './matrix';
import { maxAbsDifference, multiply, randomMatrix, randomOrthogonal, scaled } from './testing/random';
import { debiasedCkaTextbook, linearCkaTextbook, svccaTextbook } from './testing/textbook';

/** Y shares part of X's signal: a random linear read-out of X plus noise, shifted away from zero mean. */
function relatedLayer(x: Matrix, units: number, seed: number): Matrix {
  const mix = multiply(x, randomMatrix(x.cols, units, seed));
  const noise = randomMatrix(x.rows, units, seed + 1);
  return matrix(x.rows, units, mix.data.map((v, i) => v + 2 * noise.data[i] + 3));
}

const spaces: RepresentationSpace[] = ['features', 'gram'];

function centred(x: Matrix): Matrix {
  const means = new Float64Array(x.cols);
  x.data.forEach((v, i) => (means[i % x.cols] += v / x.rows));
  return matrix(x.rows, x.cols, x.data.map((v, i) => v - means[i % x.cols]));
}

describe('layer similarity against the textbook formulas', () => {
  // 40 images × 12 units vs 15 units: both spaces are valid; 'auto' would pick features. Unit variances decay
  // (as in real layers) so that the 99 % cut of SVCCA drops directions.
  const x = matrix(40, 12, randomMatrix(40, 12, 1).data.map((v, i) => v * 0.6 ** (i % 12) + 5));
  const y = relatedLayer(x, 15, 2);

  it.each(spaces)('linear CKA in %s space', (space) => {
    expect(Math.abs(linearCKA(x, y, { space }) - linearCkaTextbook(x, y))).toBeLessThan(1e-12);
  });

  it.each(spaces)('debiased CKA in %s space', (space) => {
    const actual = debiasedCKA(x, y, { space });
    // Song's estimator is invariant to centring; the textbook's uncentred n × n sums lose ~1e-11 to cancellation
    // on these offset activations, so it is checked on the centred data tightly and on the raw data loosely.
    expect(Math.abs(actual - debiasedCkaTextbook(centred(x), centred(y)))).toBeLessThan(1e-13);
    expect(Math.abs(actual - debiasedCkaTextbook(x, y))).toBeLessThan(1e-9);
    // The two estimators differ on a finite sample; the test would be vacuous if they did not.
    expect(Math.abs(actual - linearCkaTextbook(x, y))).toBeGreaterThan(1e-3);
  });

  it.each(spaces)('SVCCA in %s space', (space) => {
    const expected = svccaTextbook(x, y, 0.99);
    const actual = svcca(x, y, { space, varianceKept: 0.99 });
    expect(actual.correlations).toHaveLength(expected.correlations.length);
    expect(maxAbsDifference(actual.correlations, expected.correlations)).toBeLessThan(1e-9);
    expect(Math.abs(actual.mean - expected.mean)).toBeLessThan(1e-10);
    expect(actual.keptX).toBeLessThan(12); // the 99 % cut removed something
  });

  it('SVCCA with a lower variance cut keeps fewer directions, as the textbook does', () => {
    const expected = svccaTextbook(x, y, 0.7);
    const actual = svcca(x, y, { varianceKept: 0.7 });
    expect(Math.min(actual.keptX, actual.keptY)).toBe(expected.correlations.length);
    expect(Math.abs(actual.mean - expected.mean)).toBeLessThan(1e-10);
  });

  it('reads float32 activations and wide (Gram-space) layers', () => {
    const wide = randomMatrix(20, 300, 3);
    const wideY = relatedLayer(wide, 250, 4);
    const wide32 = matrix(20, 300, Float32Array.from(wide.data));
    expect(Math.abs(linearCKA(wide32, wideY) - linearCkaTextbook(wide32, wideY))).toBeLessThan(1e-12);
    expect(Math.abs(debiasedCKA(wide32, wideY) - debiasedCkaTextbook(wide32, wideY))).toBeLessThan(1e-12);
    expect(layerSimilarityMatrix([wide32], [wideY]).space).toBe('gram');
  });
});

describe('layer similarity invariances', () => {
  const x = randomMatrix(50, 10, 5);
  const y = relatedLayer(x, 8, 6);
  // X·Q·s: an orthogonal transform of the unit space and an isotropic scaling.
  const rotated = scaled(multiply(x, randomOrthogonal(10, 7)), 37.5);

  it.each(spaces)('CKA, debiased CKA and SVCCA are unchanged by orthogonal transforms and isotropic scaling (%s)', (space) => {
    const before = compareLayers(x, y, { space });
    const after = compareLayers(rotated, y, { space });
    expect(Math.abs(after.linearCKA! - before.linearCKA!)).toBeLessThan(1e-12);
    expect(Math.abs(after.debiasedCKA! - before.debiasedCKA!)).toBeLessThan(1e-12);
    expect(Math.abs(after.svcca!.mean - before.svcca!.mean)).toBeLessThan(1e-10);
  });

  it('CKA is symmetric and 1 for a layer with itself', () => {
    expect(Math.abs(linearCKA(x, y) - linearCKA(y, x))).toBeLessThan(1e-14);
    expect(linearCKA(x, x)).toBeCloseTo(1, 14);
    expect(debiasedCKA(y, y)).toBeCloseTo(1, 14);
  });

  it('is not invariant to a non-isotropic scaling (the metric can tell layers apart)', () => {
    const stretched = matrix(50, 10, x.data.map((v, i) => (i % 10 === 0 ? 20 * v : v)));
    expect(Math.abs(linearCKA(stretched, y) - linearCKA(x, y))).toBeGreaterThan(1e-3);
  });
});

describe('layerSimilarityMatrix', () => {
  const base = randomMatrix(64, 9, 8);
  const layersA = [base, relatedLayer(base, 14, 9), randomMatrix(64, 5, 10)];
  const layersB = [relatedLayer(base, 7, 11), base];

  it('equals pairwise comparisons, entry by entry, in both spaces and with tiny chunks', () => {
    for (const space of spaces) {
      const table = layerSimilarityMatrix(layersA, layersB, { space, chunkUnits: 4 });
      expect(table.space).toBe(space);
      layersA.forEach((a, i) =>
        layersB.forEach((b, j) => {
          const pair = compareLayers(a, b, { space });
          expect(Math.abs(table.linearCKA!.data[i * 2 + j] - pair.linearCKA!)).toBeLessThan(1e-12);
          expect(Math.abs(table.debiasedCKA!.data[i * 2 + j] - pair.debiasedCKA!)).toBeLessThan(1e-12);
          expect(Math.abs(table.svcca!.data[i * 2 + j] - pair.svcca!.mean)).toBeLessThan(1e-10);
        }),
      );
      expect(table.linearCKA!.data[0 * 2 + 1]).toBeCloseTo(1, 12); // the same layer on both sides
    }
  });

  it('computes only the requested metrics', () => {
    const table = layerSimilarityMatrix(layersA, layersB, { metrics: ['debiasedCKA'] });
    expect(table.linearCKA).toBeUndefined();
    expect(table.svcca).toBeUndefined();
    expect(table.debiasedCKA!.rows).toBe(3);
    expect(table.debiasedCKA!.cols).toBe(2);
  });
});

describe('layer similarity edge cases', () => {
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return isMicroscopeError(e) ? e.code : String(e);
    }
    return 'none';
  };

  it('scores a layer with no variance 0, without NaN', () => {
    const dead = matrix(30, 4, new Float64Array(120).fill(1.5));
    const result = compareLayers(dead, randomMatrix(30, 5, 1));
    expect(result.linearCKA).toBe(0);
    expect(result.debiasedCKA).toBe(0);
    expect(result.svcca!.mean).toBe(0);
    expect(result.svcca!.keptX).toBe(0);
  });

  it('tolerates dead units inside a live layer', () => {
    const x = randomMatrix(30, 6, 2);
    for (let r = 0; r < 30; r++) x.data[r * 6 + 3] = 0;
    const y = relatedLayer(x, 5, 3);
    expect(Math.abs(linearCKA(x, y) - linearCkaTextbook(x, y))).toBeLessThan(1e-12);
    expect(Math.abs(svcca(x, y).mean - svccaTextbook(x, y).mean)).toBeLessThan(1e-10);
  });

  it('refuses bad inputs with actionable errors', () => {
    expect(codeOf(() => debiasedCKA(randomMatrix(3, 2, 1), randomMatrix(3, 2, 2)))).toBe('INVALID_INPUT');
    expect(codeOf(() => linearCKA(randomMatrix(10, 2, 1), randomMatrix(11, 2, 2)))).toBe('INVALID_INPUT');
    expect(codeOf(() => svcca(randomMatrix(10, 2, 1), randomMatrix(10, 2, 2), { varianceKept: 1.5 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => svcca(randomMatrix(10, 20, 1), randomMatrix(10, 20, 2), { maxEigenSize: 8 }))).toBe('TOO_LARGE');
    expect(codeOf(() => linearCKA(randomMatrix(10, 20, 1), randomMatrix(10, 20, 2), { space: 'gram', maxGramImages: 5 }))).toBe('TOO_LARGE');
  });
});
