import { MicroscopeError } from '@microscope/contracts';
import { dft2d, signedFrequency } from './dft';

/**
 * Orientation convention shared with the stimuli: degrees in [0, 180), the direction the stripes run, counter-
 * clockwise from horizontal as seen on screen. A grating with stripe angle θ varies along (sin θ, cos θ) in image
 * coordinates (x right, y down), so its power sits at frequencies (fx, fy) with θ = atan2(fx, fy).
 */
export interface DominantOrientation {
  degrees: number;
  /** Length of the power-weighted mean of doubled angles, 0 (no preferred orientation) … 1 (a single one). */
  strength: number;
}

const BINS = 360; // 0.5° each
const KAPPA = 20; // von Mises concentration of the smoothing kernel on doubled angles (≈ 6.5° half-width)

/**
 * The dominant stripe orientation of an image from its 2-D power spectrum: the grey image (channel mean, minus
 * its mean, Hann-windowed so the borders add no horizontal/vertical power) is transformed, each frequency's power
 * is binned by orientation, the histogram is smoothed and its peak taken.
 */
export function dominantOrientation(pixels: ArrayLike<number>, height: number, width: number, channels = 1): DominantOrientation {
  if (pixels.length !== height * width * channels) {
    throw new MicroscopeError('INVALID_INPUT', `expected ${height}×${width}×${channels} values, got ${pixels.length}`);
  }
  const gray = new Float64Array(height * width);
  for (let p = 0; p < height * width; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += pixels[p * channels + c];
    gray[p] = s / channels;
  }
  const mean = gray.reduce((a, b) => a + b, 0) / gray.length;
  for (let y = 0; y < height; y++) {
    const wy = hann(y, height);
    for (let x = 0; x < width; x++) gray[y * width + x] = (gray[y * width + x] - mean) * wy * hann(x, width);
  }
  const spectrum = dft2d(gray, height, width);

  const histogram = new Float64Array(BINS);
  let sumCos = 0;
  let sumSin = 0;
  let total = 0;
  for (let ky = 0; ky < height; ky++) {
    const fy = signedFrequency(ky, height);
    for (let kx = 0; kx < width; kx++) {
      const fx = signedFrequency(kx, width);
      // The window spreads the (removed) mean over the neighbouring bins; skip them.
      if (Math.hypot(fx * width, fy * height) < 2) continue;
      const power = spectrum.re[ky * width + kx] ** 2 + spectrum.im[ky * width + kx] ** 2;
      const doubled = 2 * Math.atan2(fx, fy);
      const bin = Math.floor((((doubled / (2 * Math.PI)) % 1) + 1) % 1 * BINS) % BINS;
      histogram[bin] += power;
      sumCos += power * Math.cos(doubled);
      sumSin += power * Math.sin(doubled);
      total += power;
    }
  }
  if (total === 0) return { degrees: 0, strength: 0 };

  const kernel = Array.from({ length: BINS }, (_, d) => Math.exp(KAPPA * (Math.cos((2 * Math.PI * d) / BINS) - 1)));
  let best = 0;
  let bestScore = -Infinity;
  for (let b = 0; b < BINS; b++) {
    let score = 0;
    for (let j = 0; j < BINS; j++) if (histogram[j] !== 0) score += histogram[j] * kernel[(b - j + BINS) % BINS];
    if (score > bestScore) {
      bestScore = score;
      best = b;
    }
  }
  // Bin b covers doubled angles [b, b+1)·360°/BINS, i.e. orientations [b, b+1)·180°/BINS.
  return { degrees: ((best + 0.5) * 180) / BINS, strength: Math.hypot(sumCos, sumSin) / total };
}

/** Smallest difference between two orientations (mod 180°), in degrees. */
export function orientationDifference(a: number, b: number): number {
  const d = (((a - b) % 180) + 180) % 180;
  return Math.min(d, 180 - d);
}

function hann(i: number, n: number): number {
  return n <= 1 ? 1 : 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
}
