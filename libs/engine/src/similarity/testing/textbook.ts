/*
 * Straightforward float64 implementations of the textbook formulas, written for clarity and independence from the
 * production code (explicit n × n matrices, centring matrices, Jacobi eigenvalues): the references the tests
 * compare against. Quadratic memory and cubic time; small inputs only.
 */
import { matrix, type Matrix } from '../matrix';
import { multiply } from './random';

function column(x: Matrix, j: number): number[] {
  return Array.from({ length: x.rows }, (_, i) => x.data[i * x.cols + j]);
}

function transposed(x: Matrix): Matrix {
  const out = new Float64Array(x.rows * x.cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) out[j * x.rows + i] = x.data[i * x.cols + j];
  return matrix(x.cols, x.rows, out);
}

function trace(a: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.rows; i++) s += a.data[i * a.cols + i];
  return s;
}

function total(a: Matrix): number {
  let s = 0;
  for (const v of a.data) s += v;
  return s;
}

/** r = Σ(x − x̄)(y − ȳ) / sqrt(Σ(x − x̄)² Σ(y − ȳ)²), pair by pair. */
export function pearsonTextbook(x: Matrix, y: Matrix): Float64Array {
  const out = new Float64Array(x.cols * y.cols);
  for (let i = 0; i < x.cols; i++) {
    const a = column(x, i);
    const ma = a.reduce((s, v) => s + v, 0) / a.length;
    for (let j = 0; j < y.cols; j++) {
      const b = column(y, j);
      const mb = b.reduce((s, v) => s + v, 0) / b.length;
      let sab = 0, saa = 0, sbb = 0;
      for (let k = 0; k < a.length; k++) {
        sab += (a[k] - ma) * (b[k] - mb);
        saa += (a[k] - ma) ** 2;
        sbb += (b[k] - mb) ** 2;
      }
      out[i * y.cols + j] = sab / Math.sqrt(saa * sbb);
    }
  }
  return out;
}

/** K = X Xᵀ (linear kernel, uncentred). */
export function linearGram(x: Matrix): Matrix {
  return multiply(x, transposed(x));
}

/** HSIC_0 = tr(K H L H) / (n − 1)², H = I − 11ᵀ/n (Gretton et al. 2005). */
export function biasedHsic(k: Matrix, l: Matrix): number {
  const n = k.rows;
  const h = matrix(n, n, Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0) - 1 / n));
  return trace(multiply(multiply(multiply(k, h), l), h)) / (n - 1) ** 2;
}

/** HSIC_1 of Song et al. 2012, eq. (5), with K̃, L̃ the kernels with zeroed diagonals. */
export function unbiasedHsic(k: Matrix, l: Matrix): number {
  const n = k.rows;
  const zeroDiagonal = (a: Matrix) => matrix(n, n, a.data.map((v, i) => (i % (n + 1) === 0 ? 0 : v)));
  const kt = zeroDiagonal(k);
  const lt = zeroDiagonal(l);
  const ktlt = multiply(kt, lt);
  return (
    (trace(ktlt) + (total(kt) * total(lt)) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * total(ktlt)) / (n * (n - 3))
  );
}

export function linearCkaTextbook(x: Matrix, y: Matrix): number {
  const k = linearGram(x);
  const l = linearGram(y);
  return biasedHsic(k, l) / Math.sqrt(biasedHsic(k, k) * biasedHsic(l, l));
}

export function debiasedCkaTextbook(x: Matrix, y: Matrix): number {
  const k = linearGram(x);
  const l = linearGram(y);
  return unbiasedHsic(k, l) / Math.sqrt(unbiasedHsic(k, k) * unbiasedHsic(l, l));
}

/** Cyclic Jacobi eigenvalue algorithm; returns eigenvalues (descending) and eigenvectors as columns. */
export function jacobiEigen(a: Matrix): { values: number[]; vectors: Matrix } {
  const n = a.rows;
  const m = Float64Array.from(a.data);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p * n + q]) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * m[p * n + q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from];
  });
  return { values: order.map((i) => m[i * n + i]), vectors: matrix(n, n, vectors) };
}

function centred(x: Matrix): Matrix {
  const out = Float64Array.from(x.data);
  for (let j = 0; j < x.cols; j++) {
    const mean = column(x, j).reduce((s, v) => s + v, 0) / x.rows;
    for (let i = 0; i < x.rows; i++) out[i * x.cols + j] -= mean;
  }
  return matrix(x.rows, x.cols, out);
}

/** Raghu et al. 2017: project onto the top singular directions holding `kept` of the variance, then CCA. */
export function svccaTextbook(x: Matrix, y: Matrix, kept = 0.99): { mean: number; correlations: number[] } {
  const reduce = (a: Matrix) => {
    const c = centred(a);
    const { values, vectors } = jacobiEigen(multiply(transposed(c), c));
    const sum = values.reduce((s, v) => s + v, 0);
    let k = 0;
    for (let acc = 0; k < values.length && acc < kept * sum; k++) acc += values[k];
    const basis = matrix(a.cols, k, Float64Array.from({ length: a.cols * k }, (_, i) => vectors.data[Math.floor(i / k) * a.cols + (i % k)]));
    return multiply(c, basis); // n × k: the data in its top singular directions (not whitened)
  };
  const xr = reduce(x);
  const yr = reduce(y);
  const inverseSqrt = (s: Matrix) => {
    const { values, vectors } = jacobiEigen(s);
    const d = matrix(s.rows, s.rows, Float64Array.from({ length: s.rows * s.rows }, (_, i) => (i % (s.rows + 1) === 0 ? 1 / Math.sqrt(values[i / (s.rows + 1)]) : 0)));
    return multiply(multiply(vectors, d), transposed(vectors));
  };
  const sxx = multiply(transposed(xr), xr);
  const syy = multiply(transposed(yr), yr);
  const sxy = multiply(transposed(xr), yr);
  const gamma = multiply(multiply(inverseSqrt(sxx), sxy), inverseSqrt(syy));
  const small = gamma.rows <= gamma.cols ? multiply(gamma, transposed(gamma)) : multiply(transposed(gamma), gamma);
  const correlations = jacobiEigen(small).values.map((v) => Math.sqrt(Math.max(0, v)));
  return { mean: correlations.reduce((s, v) => s + v, 0) / correlations.length, correlations };
}
