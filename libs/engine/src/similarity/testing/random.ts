import { matrix, type Matrix } from '../matrix';

/** Deterministic uniform [0, 1) numbers (mulberry32), so failing tests can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller). */
export function normalSampler(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const normal = normalSampler(seededRandom(seed));
  return matrix(rows, cols, Float64Array.from({ length: rows * cols }, normal));
}

/** A random n × n orthogonal matrix: Gram–Schmidt (twice, for float64 orthogonality) on Gaussian columns. */
export function randomOrthogonal(n: number, seed: number): Matrix {
  const q = Float64Array.from(randomMatrix(n, n, seed).data);
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += q[i * n + j] * q[i * n + k];
        for (let i = 0; i < n; i++) q[i * n + j] -= d * q[i * n + k];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * n + j] /= norm;
  }
  return matrix(n, n, q);
}

/** A · B, naive triple loop in float64. */
export function multiply(a: Matrix, b: Matrix): Matrix {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const v = a.data[i * a.cols + k];
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += v * b.data[k * b.cols + j];
    }
  }
  return matrix(a.rows, b.cols, out);
}

/** Columns of x in the given order: column j of the result is column order[j] of x. */
export function permuteColumns(x: Matrix, order: readonly number[]): Matrix {
  const out = new Float64Array(x.rows * order.length);
  for (let r = 0; r < x.rows; r++) order.forEach((from, to) => (out[r * order.length + to] = x.data[r * x.cols + from]));
  return matrix(x.rows, order.length, out);
}

export function shuffled(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Every entry times s. */
export function scaled(x: Matrix, s: number): Matrix {
  return matrix(x.rows, x.cols, x.data.map((v) => v * s));
}

/** Largest |a − b| over two equally long arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
