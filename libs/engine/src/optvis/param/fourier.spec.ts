import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support/backend';
import { finiteDifferenceError, spreadProbes } from '../test-support/finite-differences';
import { Rng } from '../rng';
import { InverseRealFft2d } from './fourier';
import { imageParameterization } from './image';

/** Textbook inverse real DFT in float64, one term at a time: x = 1/(hw) Σ c_kx Re(X e^(+2πi(ky·y/h + kx·x/w))). */
function directInverse(re: (ky: number, kx: number) => number, im: (ky: number, kx: number) => number, h: number, w: number): Float64Array {
  const wf = Math.floor(w / 2) + 1;
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let ky = 0; ky < h; ky++) {
        for (let kx = 0; kx < wf; kx++) {
          const c = kx === 0 || 2 * kx === w ? 1 : 2;
          const a = 2 * Math.PI * ((ky * y) / h + (kx * x) / w);
          s += c * (re(ky, kx) * Math.cos(a) - im(ky, kx) * Math.sin(a));
        }
      }
      out[y * w + x] = s / (h * w);
    }
  }
  return out;
}

describe.each(['wasm', 'cpu'] as const)('Fourier parameterization on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    [6, 8],
    [7, 5],
    [1, 4],
  ])('matches the direct float64 inverse DFT for %i×%i images', (h, w) => {
    const [batch, channels] = [2, 3];
    const irfft = new InverseRealFft2d(h, w, batch, channels);
    const [rows, cols] = irfft.spectrumShape;
    const spectrum = new Rng(3).normals(rows * cols, 1);
    const images = tf.tidy(() => irfft.apply(tf.tensor2d(spectrum, [rows, cols])));
    const got = images.dataSync();
    images.dispose();
    irfft.dispose();
    const wf = Math.floor(w / 2) + 1;
    let worst = 0;
    let scale = 0;
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < channels; c++) {
        const col = (ky: number, kx: number): number => (b * channels + c) * wf + kx + 0 * ky;
        const expected = directInverse(
          (ky, kx) => spectrum[ky * cols + col(ky, kx)],
          (ky, kx) => spectrum[(h + ky) * cols + col(ky, kx)],
          h,
          w,
        );
        for (let p = 0; p < h * w; p++) {
          worst = Math.max(worst, Math.abs(got[(b * h * w + p) * channels + c] - expected[p]));
          scale = Math.max(scale, Math.abs(expected[p]));
        }
      }
    }
    expect(worst / scale).toBeLessThan(1e-5);
  });

  it('has a gradient equal to its adjoint: <F p, y> = <p, Fᵀ y>', () => {
    const irfft = new InverseRealFft2d(6, 7, 2, 1);
    const [rows, cols] = irfft.spectrumShape;
    const p = tf.tensor2d(new Rng(5).normals(rows * cols, 1), [rows, cols]);
    const y = tf.tensor4d(new Rng(6).normals(2 * 6 * 7, 1), [2, 6, 7, 1]);
    const lhs = tf.tidy(() => tf.sum(tf.mul(irfft.apply(p), y)).dataSync()[0]);
    const rhs = tf.tidy(() => tf.sum(tf.mul(p, tf.grad((q: tf.Tensor) => tf.sum(tf.mul(irfft.apply(q as tf.Tensor2D), y)))(p))).dataSync()[0]);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
    tf.dispose([p, y]);
    irfft.dispose();
  });

  it.each([
    ['Fourier + decorrelated RGB', { fft: true, channels: 3 }],
    ['Fourier, grey', { fft: true, channels: 1 }],
    ['pixels, 4 channels', { fft: false, channels: 4 }],
  ])('%s: gradient of the whole image pipeline matches finite differences', (_, config) => {
    const param = imageParameterization({ batch: 2, height: 8, width: 9, channels: config.channels, fft: config.fft, sd: 0.5, seeds: [1, 2] });
    const weights = tf.tensor4d(new Rng(9).normals(2 * 8 * 9 * config.channels, 1), [2, 8, 9, config.channels]);
    const objective = (): tf.Scalar => tf.sum(tf.mul(param.images(), weights)) as tf.Scalar;
    const at = param.variable.dataSync().slice() as Float32Array;
    const analytic = tf.tidy(() => tf.variableGrads(objective, [param.variable]).grads[param.variable.name].dataSync());
    // The same pipeline at other parameter values: assign them to the variable.
    const value = (v: Float32Array): number => {
      param.variable.assign(tf.tensor(v, param.variable.shape));
      return tf.tidy(() => objective().dataSync()[0]);
    };
    expect(finiteDifferenceError(value, at, analytic, spreadProbes(at.length, 16), 1e-2)).toBeLessThan(1e-2);
    weights.dispose();
    param.dispose();
  });

  it('starts from a given image: images() reproduces it', () => {
    const [h, w, c] = [10, 7, 3];
    const rng = new Rng(4);
    const init = Float32Array.from({ length: 2 * h * w * c }, () => 0.1 + 0.8 * rng.next());
    for (const fft of [true, false]) {
      const param = imageParameterization({ batch: 2, height: h, width: w, channels: c, fft, seeds: [0, 0], init });
      const images = param.images();
      const got = images.dataSync();
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - init[i]));
      expect(worst).toBeLessThan(1e-4);
      images.dispose();
      param.dispose();
    }
  });

  it('draws each batch item from its own seed, whatever the batch', () => {
    const one = imageParameterization({ batch: 1, height: 8, width: 8, channels: 3, seeds: [42] });
    const two = imageParameterization({ batch: 2, height: 8, width: 8, channels: 3, seeds: [7, 42] });
    const a = one.images();
    const b = two.images();
    const second = tf.slice(b, [1, 0, 0, 0], [1, -1, -1, -1]);
    expect(Array.from(second.dataSync())).toEqual(Array.from(a.dataSync()));
    const first = tf.slice(b, [0, 0, 0, 0], [1, -1, -1, -1]);
    expect(Array.from(first.dataSync())).not.toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, first, second]);
    one.dispose();
    two.dispose();
  });
});
