import { MicroscopeError } from '@microscope/contracts';

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  readonly values: Float64Array;
  /** n × n row-major; column j is the unit eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

const MAX_ITERATIONS_PER_VALUE = 100;

/**
 * Eigendecomposition of a real symmetric n × n matrix (row-major; the lower triangle is read): Householder
 * reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson-style shifts — the EISPACK
 * tred2/tql2 pair as published in the public-domain JAMA package, O(n³). The working matrix is held transposed
 * so every inner loop walks memory contiguously.
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  const { d, w } = diagonalise(a, n, true);
  const order = descendingOrder(d);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    values[to] = d[from];
    for (let k = 0; k < n; k++) vectors[k * n + to] = w[from * n + k];
  });
  return { values, vectors };
}

/**
 * Eigenvalues only, largest first: the same reduction without accumulating the transformations, which skips
 * most of the work (O(n³) with a ~5× smaller constant, the QL phase drops to O(n²)).
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const { d } = diagonalise(a, n, false);
  return Float64Array.from(descendingOrder(d), (i) => d[i]);
}

function diagonalise(a: Float64Array, n: number, withVectors: boolean): { d: Float64Array; w: Float64Array } {
  if (a.length !== n * n) throw new MicroscopeError('INVALID_INPUT', `expected ${n * n} values for a ${n} × ${n} matrix`);
  // w[j * n + k] plays JAMA's V[k][j]; since a is symmetric its transpose is itself.
  const w = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    householderTridiagonal(w, d, e, n, withVectors);
    implicitQL(withVectors ? w : null, d, e, n);
  }
  return { d, w };
}

function descendingOrder(d: Float64Array): number[] {
  return Array.from({ length: d.length }, (_, i) => i).sort((i, j) => d[j] - d[i] || i - j);
}

/**
 * tred2: on return d is the diagonal, e[1..] the subdiagonal, and (withVectors) w holds the accumulated
 * transformation.
 */
function householderTridiagonal(w: Float64Array, d: Float64Array, e: Float64Array, n: number, withVectors: boolean): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    // Scale to avoid under/overflow.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      // Generate the Householder vector.
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // Apply the similarity transformation to the remaining columns.
      for (let j = 0; j < i; j++) {
        f = d[j];
        w[i * n + j] = f;
        const col = j * n;
        g = e[j] + w[col + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += w[col + k] * d[k];
          e[k] += w[col + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const col = j * n;
        for (let k = j; k <= i - 1; k++) w[col + k] -= f * e[k] + g * d[k];
        d[j] = w[col + i - 1];
        w[col + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!withVectors) {
    // The reduction left the tridiagonal's diagonal on w's diagonal.
    for (let j = 0; j < n; j++) d[j] = w[j * n + j];
    e[0] = 0;
    return;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    w[i * n + n - 1] = w[i * n + i];
    w[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[next + k] / h;
      for (let j = 0; j <= i; j++) {
        const col = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[next + k] * w[col + k];
        for (let k = 0; k <= i; k++) w[col + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1];
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** tql2: diagonalises the tridiagonal (d, e), rotating the rows of w along if given; d ends with the eigenvalues. */
function implicitQL(w: Float64Array | null, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    // Find a small subdiagonal element.
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_ITERATIONS_PER_VALUE) {
          throw new MicroscopeError('INTERNAL', 'the symmetric eigen solver did not converge');
        }
        // Compute the implicit shift.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // Implicit QL transformation.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (w) rotateRows(w, n, i, c, s);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Accumulates one QL rotation into rows i and i + 1 of w. */
function rotateRows(w: Float64Array, n: number, i: number, c: number, s: number): void {
  const upper = (i + 1) * n;
  const lower = i * n;
  for (let k = 0; k < n; k++) {
    const t = w[upper + k];
    w[upper + k] = s * w[lower + k] + c * t;
    w[lower + k] = c * w[lower + k] - s * t;
  }
}
