/** Window arithmetic shared by importers (which turn 'same'/'valid' into explicit pads) and the executor. */

export type Pads = [number, number, number, number]; // [top, bottom, left, right]

export function effectiveKernel(kernel: number, dilation: number): number {
  return (kernel - 1) * dilation + 1;
}

/** Output length of a sliding window; non-positive when the window does not fit. */
export function windowOutputSize(size: number, kernel: number, stride: number, dilation: number, padBefore: number, padAfter: number): number {
  return Math.floor((size + padBefore + padAfter - effectiveKernel(kernel, dilation)) / stride) + 1;
}

/** TensorFlow's SAME padding: output = ceil(input / stride), the odd pixel of padding goes after. */
export function samePads(
  inputHW: [number, number],
  kernelHW: [number, number],
  strides: [number, number],
  dilations: [number, number] = [1, 1],
): Pads {
  const along = (size: number, k: number, s: number, d: number): [number, number] => {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + effectiveKernel(k, d) - size, 0);
    const before = Math.floor(total / 2);
    return [before, total - before];
  };
  const [top, bottom] = along(inputHW[0], kernelHW[0], strides[0], dilations[0]);
  const [left, right] = along(inputHW[1], kernelHW[1], strides[1], dilations[1]);
  return [top, bottom, left, right];
}

export function padsEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export const isZeroPads = (pads: readonly number[]): boolean => pads.every((p) => p === 0);
