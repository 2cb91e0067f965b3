import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support/backend';
import { gradientError, spreadProbes } from '../test-support/finite-differences';
import { Rng } from '../rng';
import { compose, STANDARD_ANGLES, STANDARD_SCALES, standardTransforms } from './compose';
import { jitter } from './jitter';
import { pad } from './pad';
import { randomRotate, rotate } from './rotate';
import { warpAffine } from './warp';
import { randomScale } from './scale';
import { resizeTo } from './resize';

/** A Gaussian blob of σ px centred at (x0, y0) on black, size×size, one channel. */
function blob(size: number, x0: number, y0: number, sigma: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = Math.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sigma * sigma));
  return out;
}

function centroid(values: ArrayLike<number>, size: number): [number, number] {
  let [sx, sy, s] = [0, 0, 0];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      sx += x * values[y * size + x];
      sy += y * values[y * size + x];
      s += values[y * size + x];
    }
  }
  return [sx / s, sy / s];
}

describe.each(['wasm', 'cpu'] as const)('transforms on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([10, -10, 30, 4])('rotates by %i° counter-clockwise on screen', (degrees) => {
    const size = 41;
    const c = (size - 1) / 2;
    const image = tf.tensor4d(blob(size, c + 10, c, 2), [1, size, size, 1]);
    const rotated = rotate(image, degrees, 0);
    const got = rotated.dataSync();
    const t = (degrees * Math.PI) / 180;
    // Counter-clockwise on screen = clockwise in image coordinates (y down).
    const [ex, ey] = [c + 10 * Math.cos(t), c - 10 * Math.sin(t)];
    const [gx, gy] = centroid(got, size);
    expect(Math.hypot(gx - ex, gy - ey)).toBeLessThan(0.15);
    // Close to the exact rotated blob everywhere (the shears interpolate linearly three times).
    const exact = blob(size, ex, ey, 2);
    let worst = 0;
    for (let i = 0; i < exact.length; i++) worst = Math.max(worst, Math.abs(exact[i] - got[i]));
    expect(worst).toBeLessThan(0.08);
    tf.dispose([image, rotated]);
  });

  it('copies whole-pixel shifts exactly and fills from outside', () => {
    const values = Float32Array.from({ length: 2 * 5 * 6 * 2 }, (_, i) => i + 1);
    const image = tf.tensor4d(values, [2, 5, 6, 2]);
    const out = warpAffine(image, { a: [1, 0, 0, 1], t: [1, -2] }, [4, 7], -1);
    const got = out.dataSync();
    for (let b = 0; b < 2; b++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 7; x++)
          for (let c = 0; c < 2; c++) {
            const [sy, sx] = [y + 1, x - 2];
            const expected = sy < 5 && sx >= 0 && sx < 6 ? values[((b * 5 + sy) * 6 + sx) * 2 + c] : -1;
            expect(got[((b * 4 + y) * 7 + x) * 2 + c]).toBe(expected);
          }
    tf.dispose([image, out]);
  });

  it('fuses consecutive geometric transforms into the same result as applying them one by one', () => {
    const size = 40;
    // Smooth, and mid-grey towards its border so reading the fill there changes nothing.
    const window = (i: number): number => Math.sin((Math.PI * i) / (size - 1)) ** 2;
    const smooth = tf.tensor4d(
      Float32Array.from({ length: size * size }, (_, i) => {
        const [y, x] = [Math.floor(i / size), i % size];
        return 0.5 + 0.4 * Math.sin(x / 5) * Math.cos(y / 7) * window(x) * window(y);
      }),
      [1, size, size, 1],
    );
    const steps = [pad(3), jitter(2), randomScale([1.1]), randomRotate([8]), jitter(3)];
    const fused = compose(steps)(smooth, new Rng(4));
    const rng = new Rng(4);
    let sequential = smooth;
    for (const t of steps) sequential = t(sequential, rng);
    expect(fused.shape).toEqual(sequential.shape);
    // Interpolating once instead of twice: equal up to the smoothing of the extra interpolation.
    const [a, b] = [fused.dataSync(), sequential.dataSync()];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(0.01);
    // Pads and crops alone are exact.
    const exact = [pad(3), jitter(2), jitter(3)];
    const rng2 = new Rng(5);
    let seq2 = smooth;
    for (const t of exact) seq2 = t(seq2, rng2);
    expect(Array.from(compose(exact)(smooth, new Rng(5)).dataSync())).toEqual(Array.from(seq2.dataSync()));
    tf.dispose([smooth, fused, sequential, seq2]);
  });

  it('has a gradient equal to its adjoint: <W x, y> = <x, Wᵀ y>', () => {
    const x = tf.tensor4d(new Rng(6).normals(3 * 12 * 10 * 2, 1), [3, 12, 10, 2]);
    const map = { a: [0.9, 0.3, -0.2, 1.1] as const, t: [1.3, -0.7] as const };
    const y = tf.tensor4d(new Rng(7).normals(3 * 9 * 11 * 2, 1), [3, 9, 11, 2]);
    const lhs = tf.tidy(() => tf.sum(tf.mul(warpAffine(x, map, [9, 11], 0.5), y)).dataSync()[0]);
    const fillPart = tf.tidy(() => tf.sum(tf.mul(warpAffine(tf.zerosLike(x) as tf.Tensor4D, map, [9, 11], 0.5), y)).dataSync()[0]);
    const rhs = tf.tidy(() => tf.sum(tf.mul(x, tf.grad((t: tf.Tensor) => tf.sum(tf.mul(warpAffine(t as tf.Tensor4D, map, [9, 11], 0.5), y)))(x))).dataSync()[0]);
    expect(Math.abs(lhs - fillPart - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(rhs)));
    tf.dispose([x, y]);
  });

  it('rotation gradient matches finite differences', () => {
    const x = tf.tensor4d(new Rng(1).normals(2 * 9 * 11 * 2, 1), [2, 9, 11, 2]);
    const weights = tf.tensor4d(new Rng(2).normals(2 * 9 * 11 * 2, 1), [2, 9, 11, 2]);
    for (const degrees of [7, -10]) {
      const f = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(rotate(t as tf.Tensor4D, degrees, 0.5), weights));
      expect(gradientError(f, x, spreadProbes(x.size, 24), 0.5, 0.1)).toBeLessThan(1e-3);
    }
    tf.dispose([x, weights]);
  });

  it('scale gradient matches finite differences', () => {
    const x = tf.tensor4d(new Rng(3).normals(1 * 10 * 10 * 3, 1), [1, 10, 10, 3]);
    const scale = randomScale([1.3]);
    const out = scale(x, new Rng(0));
    const weights = tf.tensor4d(new Rng(4).normals(out.size, 1), out.shape);
    const f = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(scale(t as tf.Tensor4D, new Rng(0)), weights));
    expect(gradientError(f, x, spreadProbes(x.size, 24), 0.5, 0.1)).toBeLessThan(1e-3);
    tf.dispose([x, out, weights]);
  });

  it('resizes to a fixed size, mapping pixel centres onto pixel centres', () => {
    // A ramp along x stays a ramp, sampled at the new pixel centres.
    const ramp = tf.tensor4d(Float32Array.from({ length: 6 * 10 }, (_, i) => i % 10), [1, 6, 10, 1]);
    const out = resizeTo([3, 20])(ramp, new Rng(0));
    expect(out.shape).toEqual([1, 3, 20, 1]);
    const row = Array.from(out.dataSync().slice(0, 20));
    for (let x = 1; x < 19; x++) expect(row[x]).toBeCloseTo((x + 0.5) / 2 - 0.5, 5);
    tf.dispose([ramp, out]);
  });

  it('pads with a constant and jitters by a crop of 0…d', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const padded = pad(2, 0.5)(x, new Rng(0));
    expect(padded.shape).toEqual([1, 8, 8, 1]);
    expect(padded.dataSync()[0]).toBeCloseTo(0.5);
    const offsets = new Set<string>();
    const rng = new Rng(1);
    const marker = tf.tensor4d(Float32Array.from({ length: 36 }, (_, i) => i), [1, 6, 6, 1]);
    for (let i = 0; i < 200; i++) {
      const first = jitter(2)(marker, rng).dataSync()[0];
      offsets.add(`${Math.floor(first / 6)},${first % 6}`);
    }
    expect(offsets.size).toBe(9); // every offset pair in 0..2 × 0..2
    tf.dispose([x, padded, marker]);
  });

  it("applies Lucid's standard set: sizes and determinism for a seed", () => {
    expect(STANDARD_SCALES.length).toBe(11);
    expect(STANDARD_SCALES[0]).toBeCloseTo(0.9);
    expect(STANDARD_SCALES[10]).toBeCloseTo(1.1);
    expect(STANDARD_ANGLES.filter((a) => a === 0).length).toBe(6);
    const images = tf.tensor4d(new Rng(5).normals(2 * 32 * 32 * 3, 0.2).map((v) => v + 0.5), [2, 32, 32, 3]);
    const transform = compose(standardTransforms());
    const allowed = STANDARD_SCALES.map((s) => Math.floor(s * 48) - 4);
    const a = transform(images, new Rng(11));
    const b = transform(images, new Rng(11));
    expect(allowed).toContain(a.shape[1]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([images, a, b]);
  });
});
