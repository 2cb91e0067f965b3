import { matrix, transpose } from './matrix';
import { symmetricEigen, symmetricEigenvalues } from './symmetric-eigen';
import { maxAbsDifference, multiply, randomMatrix, randomOrthogonal } from './testing/random';
import { jacobiEigen } from './testing/textbook';

function randomSymmetric(n: number, seed: number): Float64Array {
  const a = randomMatrix(n, n, seed).data;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = (a[i * n + j] + a[j * n + i]) / 2;
  return out;
}

/** ‖A·V − V·Λ‖max and ‖VᵀV − I‖max. */
function residuals(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array) {
  const v = matrix(n, n, vectors);
  const av = multiply(matrix(n, n, a), v).data;
  const vl = vectors.map((x, i) => x * values[i % n]);
  const vtv = multiply(transpose(v), v).data;
  const identity = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  return { decomposition: maxAbsDifference(av, vl), orthogonality: maxAbsDifference(vtv, identity) };
}

describe('symmetricEigen', () => {
  it.each([1, 2, 3, 5, 30, 120])('decomposes a random symmetric matrix of size %i', (n) => {
    const a = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(a, n);
    const { decomposition, orthogonality } = residuals(a, n, values, vectors);
    expect(decomposition).toBeLessThan(1e-12 * n);
    expect(orthogonality).toBeLessThan(1e-13 * n);
    for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
    expect(maxAbsDifference(symmetricEigenvalues(a, n), values)).toBeLessThan(1e-12 * n);
    if (n <= 30) {
      const reference = jacobiEigen(matrix(n, n, a)).values;
      expect(maxAbsDifference(values, reference)).toBeLessThan(1e-12 * n);
    }
  });

  it('recovers a planted spectrum with repeated and zero eigenvalues', () => {
    const n = 12;
    const spectrum = [9, 9, 9, 4, 1, 1, 0, 0, 0, 0, -2, -2];
    const q = randomOrthogonal(n, 3);
    const qd = matrix(n, n, q.data.map((v, i) => v * spectrum[i % n]));
    const a = Float64Array.from(multiply(qd, transpose(q)).data);
    const { values, vectors } = symmetricEigen(a, n);
    expect(maxAbsDifference(values, spectrum)).toBeLessThan(1e-13);
    expect(maxAbsDifference(symmetricEigenvalues(a, n), spectrum)).toBeLessThan(1e-13);
    const { decomposition, orthogonality } = residuals(a, n, values, vectors);
    expect(decomposition).toBeLessThan(1e-13);
    expect(orthogonality).toBeLessThan(1e-13);
  });

  it('handles diagonal, zero and empty matrices', () => {
    expect(Array.from(symmetricEigen(Float64Array.from([1, 0, 0, 0, 3, 0, 0, 0, 2]), 3).values)).toEqual([3, 2, 1]);
    const zero = symmetricEigen(new Float64Array(16), 4);
    expect(Array.from(zero.values)).toEqual([0, 0, 0, 0]);
    expect(residuals(new Float64Array(16), 4, zero.values, zero.vectors).orthogonality).toBe(0);
    expect(symmetricEigen(new Float64Array(0), 0).values).toHaveLength(0);
  });

  it('refuses a wrongly sized input', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/4 values/);
  });
});
