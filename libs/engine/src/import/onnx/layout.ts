/**
 * ONNX tensors are NCHW; the IR is NHWC. Every rank-4 runtime tensor is stored channels-last in the IR (whatever
 * its meaning), every other rank in ONNX's own axis order. These helpers translate axes, shapes and permutations.
 * Axes here include the batch axis (0).
 */

/** ONNX axis of a rank-4 tensor → its axis in the NHWC IR tensor. */
export const NCHW_TO_NHWC_AXIS = [0, 3, 1, 2] as const;
/** transpose perm that turns NHWC data into NCHW data. */
export const NHWC_TO_NCHW_PERM = [0, 3, 1, 2];
/** transpose perm that turns NCHW data into NHWC data. */
export const NCHW_TO_NHWC_PERM = [0, 2, 3, 1];

/** Whether rank-`rank` runtime tensors are stored channels-last. */
export const isChannelsLast = (rank: number): boolean => rank === 4;

/** Normalises a possibly negative ONNX axis; null when out of range. */
export function normalizeAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : null;
}

/** ONNX axis (with batch) → IR axis (with batch) for a runtime tensor of ONNX rank `rank`. */
export function irAxis(onnxAxis: number, rank: number): number {
  return isChannelsLast(rank) ? NCHW_TO_NHWC_AXIS[onnxAxis] : onnxAxis;
}

/** ONNX per-image shape ([C, H, W] for rank 4) → IR shape ([H, W, C]). */
export function irShapeOf(onnxShape: readonly number[]): number[] {
  return onnxShape.length === 3 ? [onnxShape[1], onnxShape[2], onnxShape[0]] : [...onnxShape];
}

/** IR shape without batch → ONNX per-image shape. */
export function onnxShapeOf(irShape: readonly number[]): number[] {
  return irShape.length === 3 ? [irShape[2], irShape[0], irShape[1]] : [...irShape];
}

/** Whether NHWC and NCHW orders of a [C, H, W] image hold the same flat sequence (one of them is a vector). */
export function layoutsCoincide(onnxShape: readonly number[]): boolean {
  return onnxShape.length !== 3 || onnxShape[0] === 1 || onnxShape[1] * onnxShape[2] === 1;
}

/**
 * The IR perm (with batch) for an ONNX Transpose `perm` of a rank-`rank` tensor: both sides may be channels-last.
 * out_ir[j] = out_onnx[a] where a is the ONNX axis stored at IR axis j, and out_onnx[a] = in_onnx[perm[a]].
 */
export function irTransposePerm(perm: readonly number[], rank: number): number[] {
  // IR axis j of a channels-last tensor holds ONNX axis NCHW_TO_NHWC_PERM[j] (the data perm NCHW → NHWC).
  const irToOnnx = isChannelsLast(rank) ? NCHW_TO_NHWC_PERM : [...Array(rank).keys()];
  return irToOnnx.map((onnxOutAxis) => irAxis(perm[onnxOutAxis], rank));
}

export const isIdentityPerm = (perm: readonly number[]): boolean => perm.every((p, i) => p === i);
