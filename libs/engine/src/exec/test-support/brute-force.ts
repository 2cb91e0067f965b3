/**
 * Test support: textbook loops over NHWC arrays, independent of TF.js, to check the executor's kernels against.
 * Arrays are flat, row-major: x[n][y][x][c].
 */

export interface Tensor4 {
  shape: [number, number, number, number];
  data: Float32Array;
}

const at = (s: number[], n: number, y: number, x: number, c: number) => ((n * s[1] + y) * s[2] + x) * s[3] + c;

export interface Window {
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
}

/** Grouped convolution; filter [kh, kw, inC / groups, outC]. */
export function bruteConv2d(x: Tensor4, filter: Tensor4, bias: Float32Array | undefined, w: Window, groups = 1): Tensor4 {
  const [n, h, wd, c] = x.shape;
  const [kh, kw, cg, outC] = filter.shape;
  const outPerGroup = outC / groups;
  const oh = Math.floor((h + w.pads[0] + w.pads[1] - ((kh - 1) * w.dilations[0] + 1)) / w.strides[0]) + 1;
  const ow = Math.floor((wd + w.pads[2] + w.pads[3] - ((kw - 1) * w.dilations[1] + 1)) / w.strides[1]) + 1;
  const out: Tensor4 = { shape: [n, oh, ow, outC], data: new Float32Array(n * oh * ow * outC) };
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < outC; o++) {
          const g = Math.floor(o / outPerGroup);
          let sum = bias ? bias[o] : 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++) {
              const iy = oy * w.strides[0] + i * w.dilations[0] - w.pads[0];
              const ix = ox * w.strides[1] + j * w.dilations[1] - w.pads[2];
              if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
              for (let k = 0; k < cg; k++) sum += x.data[at(x.shape, b, iy, ix, g * cg + k)] * filter.data[at(filter.shape, i, j, k, o)];
            }
          out.data[at(out.shape, b, oy, ox, o)] = sum;
        }
  return out;
}

/** Depthwise convolution; filter [kh, kw, C, multiplier]; output channel c * multiplier + m. */
export function bruteDepthwise(x: Tensor4, filter: Tensor4, bias: Float32Array | undefined, w: Window): Tensor4 {
  const [kh, kw, c, m] = filter.shape;
  // A depthwise convolution is the grouped convolution with one input channel per group.
  const grouped = new Float32Array(kh * kw * c * m);
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ch = 0; ch < c; ch++) for (let k = 0; k < m; k++) {
    grouped[((i * kw + j) * 1 + 0) * c * m + ch * m + k] = filter.data[at(filter.shape, i, j, ch, k)];
  }
  return bruteConv2d(x, { shape: [kh, kw, 1, c * m], data: grouped }, bias, w, c);
}

export function brutePool(x: Tensor4, kind: 'max' | 'avg', size: [number, number], strides: [number, number], pads: [number, number, number, number], countIncludePad: boolean): Tensor4 {
  const [n, h, wd, c] = x.shape;
  const oh = Math.floor((h + pads[0] + pads[1] - size[0]) / strides[0]) + 1;
  const ow = Math.floor((wd + pads[2] + pads[3] - size[1]) / strides[1]) + 1;
  const out: Tensor4 = { shape: [n, oh, ow, c], data: new Float32Array(n * oh * ow * c) };
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let i = 0; i < size[0]; i++)
            for (let j = 0; j < size[1]; j++) {
              const iy = oy * strides[0] + i - pads[0];
              const ix = ox * strides[1] + j - pads[2];
              const inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
              if (inside || countIncludePad) count++;
              if (!inside) continue;
              const v = x.data[at(x.shape, b, iy, ix, ch)];
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            }
          out.data[at(out.shape, b, oy, ox, ch)] = kind === 'max' ? acc : acc / count;
        }
  return out;
}
