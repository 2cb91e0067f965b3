/**
 * Float64 discrete Fourier transforms in plain JavaScript, separable (O(h·w·(h+w))). Used off the gradient path:
 * to initialise the Fourier parameterization from an image and to read an image's power spectrum.
 */

export interface ComplexGrid {
  re: Float64Array;
  im: Float64Array;
  height: number;
  width: number;
}

/** 2-D DFT of a real h×w grid (row-major): X[ky,kx] = Σ x[y,x] e^(−2πi(ky·y/h + kx·x/w)). */
export function dft2d(values: ArrayLike<number>, height: number, width: number): ComplexGrid {
  const rowsRe = new Float64Array(height * width);
  const rowsIm = new Float64Array(height * width);
  const cosW = twiddles(width, Math.cos);
  const sinW = twiddles(width, Math.sin);
  // Along x for every row.
  for (let y = 0; y < height; y++) {
    for (let k = 0; k < width; k++) {
      let sr = 0;
      let si = 0;
      for (let x = 0; x < width; x++) {
        const v = values[y * width + x];
        const t = (k * x) % width;
        sr += v * cosW[t];
        si -= v * sinW[t];
      }
      rowsRe[y * width + k] = sr;
      rowsIm[y * width + k] = si;
    }
  }
  // Along y for every column.
  const re = new Float64Array(height * width);
  const im = new Float64Array(height * width);
  const cosH = twiddles(height, Math.cos);
  const sinH = twiddles(height, Math.sin);
  for (let k = 0; k < height; k++) {
    for (let x = 0; x < width; x++) {
      let sr = 0;
      let si = 0;
      for (let y = 0; y < height; y++) {
        const t = (k * y) % height;
        const c = cosH[t];
        const s = sinH[t];
        const ar = rowsRe[y * width + x];
        const ai = rowsIm[y * width + x];
        // (ar + i·ai)(c − i·s)
        sr += ar * c + ai * s;
        si += ai * c - ar * s;
      }
      re[k * width + x] = sr;
      im[k * width + x] = si;
    }
  }
  return { re, im, height, width };
}

/** Signed frequency (cycles per sample) of DFT index k of n: 0, 1/n, …, then negative from the middle on. */
export function signedFrequency(k: number, n: number): number {
  return (k <= Math.floor((n - 1) / 2) ? k : k - n) / n;
}

/** f(2π t / n) for t = 0..n−1. */
function twiddles(n: number, f: (a: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = f((2 * Math.PI * t) / n);
  return out;
}
