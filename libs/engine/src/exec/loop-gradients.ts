import type { Pads } from '../ir/padding';

/**
 * Input gradients of pooling and bilinear resizing as plain loops over NHWC data. The stock kernels are wrong
 * here: WASM's MaxPoolGrad (and MaxPoolWithArgmax) leave stale values in parts of the result, every backend's
 * AvgPoolGrad divides by the full window where SAME average pooling excludes the padding, and WASM's
 * ResizeBilinearGrad swaps height and width of non-square images while TF.js ignores halfPixelCenters in the
 * gradient. A loop over the data is exact and, at the sizes we render, takes milliseconds.
 */

export type Shape4 = [number, number, number, number];

export interface PoolGeometry {
  size: [number, number];
  strides: [number, number];
  /** [top, bottom, left, right]. */
  pads: Pads;
}

const outputLength = (size: number, k: number, s: number, before: number, after: number): number => Math.floor((size + before + after - k) / s) + 1;

export function poolOutputHW([, h, w]: Shape4, g: PoolGeometry): [number, number] {
  return [outputLength(h, g.size[0], g.strides[0], g.pads[0], g.pads[1]), outputLength(w, g.size[1], g.strides[1], g.pads[2], g.pads[3])];
}

/** Each output's gradient goes to the first maximum of its window in row-major order, as TensorFlow does. */
export function maxPoolInputGradient(x: Float32Array, dy: Float32Array, shape: Shape4, g: PoolGeometry): Float32Array {
  const [n, h, w, c] = shape;
  const [oh, ow] = poolOutputHW(shape, g);
  const [kh, kw] = g.size;
  const [sh, sw] = g.strides;
  const dx = new Float32Array(x.length);
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        best.fill(-Infinity);
        at.fill(-1);
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh + i - g.pads[0];
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw + j - g.pads[2];
            if (ix < 0 || ix >= w) continue;
            const base = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              if (x[base + ch] > best[ch]) {
                best[ch] = x[base + ch];
                at[ch] = base + ch;
              }
            }
          }
        }
        const o = ((b * oh + oy) * ow + ox) * c;
        for (let ch = 0; ch < c; ch++) if (at[ch] >= 0) dx[at[ch]] += dy[o + ch];
      }
    }
  }
  return dx;
}

/** Each output's gradient spread evenly over its window: the real pixels only, or the padding too. */
export function avgPoolInputGradient(dy: Float32Array, shape: Shape4, g: PoolGeometry, countIncludePad: boolean): Float32Array {
  const [n, h, w, c] = shape;
  const [oh, ow] = poolOutputHW(shape, g);
  const [kh, kw] = g.size;
  const [sh, sw] = g.strides;
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - g.pads[0];
      const rows = Math.min(h, y0 + kh) - Math.max(0, y0);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - g.pads[2];
        const cols = Math.min(w, x0 + kw) - Math.max(0, x0);
        const count = countIncludePad ? kh * kw : rows * cols;
        if (rows <= 0 || cols <= 0) continue;
        const o = ((b * oh + oy) * ow + ox) * c;
        for (let iy = Math.max(0, y0); iy < Math.min(h, y0 + kh); iy++) {
          for (let ix = Math.max(0, x0); ix < Math.min(w, x0 + kw); ix++) {
            const base = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) dx[base + ch] += dy[o + ch] / count;
          }
        }
      }
    }
  }
  return dx;
}

export interface ResizeOptions {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** Source rows (or columns) and the weight of the second one, exactly as TF.js's resizeBilinear computes them. */
function bilinearAxis(inSize: number, outSize: number, o: ResizeOptions): { lo: Int32Array; hi: Int32Array; frac: Float32Array } {
  const align = o.alignCorners && outSize > 1;
  const ratio = (align ? inSize - 1 : inSize) / (align ? outSize - 1 : outSize);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let r = 0; r < outSize; r++) {
    const source = o.halfPixelCenters ? ratio * (r + 0.5) - 0.5 : ratio * r;
    lo[r] = Math.max(0, Math.floor(source));
    hi[r] = Math.min(inSize - 1, Math.ceil(source));
    frac[r] = source - lo[r];
  }
  return { lo, hi, frac };
}

/** The adjoint of bilinear resizing: every output's four weights scattered back onto the input. */
export function resizeBilinearInputGradient(dy: Float32Array, shape: Shape4, outHW: [number, number], o: ResizeOptions): Float32Array {
  const [n, h, w, c] = shape;
  const [oh, ow] = outHW;
  const rows = bilinearAxis(h, oh, o);
  const cols = bilinearAxis(w, ow, o);
  const dx = new Float32Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const fy = rows.frac[r];
      const top = (b * h + rows.lo[r]) * w;
      const bottom = (b * h + rows.hi[r]) * w;
      for (let col = 0; col < ow; col++) {
        const fx = cols.frac[col];
        const o = ((b * oh + r) * ow + col) * c;
        const taps: [number, number][] = [
          [(top + cols.lo[col]) * c, (1 - fy) * (1 - fx)],
          [(top + cols.hi[col]) * c, (1 - fy) * fx],
          [(bottom + cols.lo[col]) * c, fy * (1 - fx)],
          [(bottom + cols.hi[col]) * c, fy * fx],
        ];
        for (const [base, weight] of taps) {
          if (weight === 0) continue;
          for (let ch = 0; ch < c; ch++) dx[base + ch] += weight * dy[o + ch];
        }
      }
    }
  }
  return dx;
}
