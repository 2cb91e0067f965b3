import * as tf from '@tensorflow/tfjs';
import { dft2d } from '../dft';

/**
 * The 2-D inverse real FFT written as two real matrix products (TF.js WASM has no FFT kernels), with a
 * hand-written gradient (the adjoint: the same products transposed).
 *
 * A batch of N = batch·channels half-spectra of an h×w image is stored as one matrix P of shape [2h, N·wf]
 * (wf = ⌊w/2⌋ + 1): rows 0..h−1 hold real parts, rows h..2h−1 imaginary parts; column n·wf + kx is frequency
 * kx of spectrum n. Then
 *   [A; B] = M1 · P          (inverse DFT along y, complex, as a real 2h×2h block matrix)
 *   x      = [A B] · M2      (inverse real DFT along x, using Hermitian symmetry: weights 1, 2, …, 2, (1))
 * which is exactly irfft2d: x[y,x] = 1/(h·w) Σ_ky Σ_kx c_kx Re(X[ky,kx] e^(2πi(ky·y/h + kx·x/w))).
 */
export class InverseRealFft2d {
  readonly halfWidth: number;
  // The transposes are stored too: on WASM a matMul with a transpose flag leaves XNNPACK and ran 10–30× slower.
  private readonly m1: tf.Tensor2D;
  private readonly m1T: tf.Tensor2D;
  private readonly m2: tf.Tensor2D;
  private readonly m2T: tf.Tensor2D;
  private readonly transform: (spectrum: tf.Tensor2D) => tf.Tensor4D;

  constructor(
    readonly height: number,
    readonly width: number,
    readonly batch: number,
    readonly channels: number,
  ) {
    this.halfWidth = Math.floor(width / 2) + 1;
    this.m1 = tf.tensor2d(columnBasis(height), [2 * height, 2 * height]);
    this.m1T = tf.transpose(this.m1);
    this.m2 = tf.tensor2d(rowBasis(width, height), [2 * this.halfWidth, width]);
    this.m2T = tf.transpose(this.m2);
    this.transform = tf.customGrad((spectrum, save) => {
      void save;
      const value = this.forward(spectrum as tf.Tensor2D);
      return { value, gradFunc: (dy: tf.Tensor) => this.adjoint(dy as tf.Tensor4D) };
    }) as (spectrum: tf.Tensor2D) => tf.Tensor4D;
  }

  /** Shape of the spectrum matrix this transform takes. */
  get spectrumShape(): [number, number] {
    return [2 * this.height, this.batch * this.channels * this.halfWidth];
  }

  /** Images [batch, h, w, channels] from the spectrum matrix. */
  apply(spectrum: tf.Tensor2D): tf.Tensor4D {
    return this.transform(spectrum);
  }

  dispose(): void {
    tf.dispose([this.m1, this.m1T, this.m2, this.m2T]);
  }

  private forward(spectrum: tf.Tensor2D): tf.Tensor4D {
    const { height: h, width: w, batch: b, channels: c, halfWidth: wf } = this;
    return tf.tidy(() => {
      const alongY = tf.matMul(this.m1, spectrum); // [2h, N·wf]
      const rows = tf.transpose(tf.reshape(alongY, [2, h, b * c, wf]), [2, 1, 0, 3]); // [N, h, 2, wf]
      const image = tf.matMul(tf.reshape(rows, [b * c * h, 2 * wf]), this.m2); // [N·h, w]
      return tf.transpose(tf.reshape(image, [b, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
    });
  }

  private adjoint(dy: tf.Tensor4D): tf.Tensor2D {
    const { height: h, width: w, batch: b, channels: c, halfWidth: wf } = this;
    return tf.tidy(() => {
      const dImage = tf.reshape(tf.transpose(dy, [0, 3, 1, 2]), [b * c * h, w]);
      const dRows = tf.matMul(dImage, this.m2T); // [N·h, 2wf]
      const dAlongY = tf.reshape(tf.transpose(tf.reshape(dRows, [b * c, h, 2, wf]), [2, 1, 0, 3]), [2 * h, b * c * wf]);
      return tf.matMul(this.m1T, dAlongY) as tf.Tensor2D;
    });
  }
}

/** The 2h×2h real form of the inverse complex DFT along y: [A; B] = [[C, −S], [S, C]] · [R; I]. */
function columnBasis(h: number): Float32Array {
  const m = new Float32Array(4 * h * h);
  const n = 2 * h;
  for (let y = 0; y < h; y++) {
    for (let k = 0; k < h; k++) {
      const a = (2 * Math.PI * ((k * y) % h)) / h;
      const c = Math.cos(a);
      const s = Math.sin(a);
      m[y * n + k] = c;
      m[y * n + h + k] = -s;
      m[(h + y) * n + k] = s;
      m[(h + y) * n + h + k] = c;
    }
  }
  return m;
}

/** The 2wf×w real form of the inverse real DFT along x, including the 1/(h·w) normalisation. */
function rowBasis(w: number, h: number): Float32Array {
  const wf = Math.floor(w / 2) + 1;
  const m = new Float32Array(2 * wf * w);
  for (let k = 0; k < wf; k++) {
    const hermitian = k === 0 || 2 * k === w ? 1 : 2;
    for (let x = 0; x < w; x++) {
      const a = (2 * Math.PI * ((k * x) % w)) / w;
      m[k * w + x] = (hermitian * Math.cos(a)) / (h * w);
      m[(wf + k) * w + x] = (-hermitian * Math.sin(a)) / (h * w);
    }
  }
  return m;
}

/**
 * Lucid's spectrum weights for an h×w image: 1/f scaling (frequencies below 1/max(h, w) clamped) to the power
 * `decayPower`, times √(h·w), times ¼ (Lucid divides the image by 4). Row ky, column kx; shape [h, wf].
 */
export function spectrumWeights(h: number, w: number, decayPower: number): Float32Array {
  const wf = Math.floor(w / 2) + 1;
  const out = new Float32Array(h * wf);
  const floor = 1 / Math.max(h, w);
  for (let ky = 0; ky < h; ky++) {
    const fy = (ky <= Math.floor((h - 1) / 2) ? ky : ky - h) / h;
    for (let kx = 0; kx < wf; kx++) {
      const fx = kx / w;
      const f = Math.max(Math.sqrt(fx * fx + fy * fy), floor);
      out[ky * wf + kx] = (Math.sqrt(h * w) / Math.pow(f, decayPower)) * 0.25;
    }
  }
  return out;
}

/**
 * The half-spectrum (packed like the spectrum matrix's columns for one spectrum: real parts then imaginary parts,
 * each [h, wf]) whose inverse real FFT is `values` (row-major h×w).
 */
export function realHalfSpectrum(values: ArrayLike<number>, h: number, w: number): { re: Float64Array; im: Float64Array } {
  const full = dft2d(values, h, w);
  const wf = Math.floor(w / 2) + 1;
  const re = new Float64Array(h * wf);
  const im = new Float64Array(h * wf);
  for (let ky = 0; ky < h; ky++) {
    for (let kx = 0; kx < wf; kx++) {
      re[ky * wf + kx] = full.re[ky * w + kx];
      im[ky * wf + kx] = full.im[ky * w + kx];
    }
  }
  return { re, im };
}
