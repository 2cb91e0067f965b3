import { MicroscopeError } from '@microscope/contracts';

/**
 * Bounds that turn absurd (or corrupted) sizes into a clear error before anything is allocated. They are far above
 * any vision CNN: VGG's largest weight has ~1e8 values, its largest activation ~3e6 per image.
 */
export const MAX_DIM = 1 << 24;
export const MAX_TENSOR_ELEMENTS = 1 << 28;
/** Per image, for the runtime tensors the graph computes. */
export const MAX_ACTIVATION_ELEMENTS = 1 << 27;
/** Elements of the small integer / shape tensors folded at import (Range, ConstantOfShape...). */
export const MAX_FOLDED_ELEMENTS = 1 << 24;
export const MAX_RANK = 8;
export const MAX_NODES = 200_000;

/** Checks a shape's dimensions and element count; returns the count. */
export function checkedSize(dims: readonly number[], what: string, maxElements = MAX_TENSOR_ELEMENTS): number {
  if (dims.length > MAX_RANK) throw new MicroscopeError('INVALID_MODEL', `${what} has ${dims.length} dimensions (at most ${MAX_RANK} are supported)`);
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0 || d > MAX_DIM) {
      throw new MicroscopeError('INVALID_MODEL', `${what} has an absurd dimension ${d} in [${dims.join(', ')}]`);
    }
    n *= d;
  }
  if (n > maxElements) {
    throw new MicroscopeError('INVALID_MODEL', `${what} has shape [${dims.join(', ')}]: ${n} values is more than the ${maxElements} allowed`);
  }
  return n;
}
