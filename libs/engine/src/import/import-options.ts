import { MicroscopeError } from '@microscope/contracts';
import { formatShape } from '../ir/shapes';

export interface ImportOptions {
  /** [H, W, C] for models whose stored input size has unknown (null / -1) dimensions. */
  inputShape?: [number, number, number];
  /** Where model.json lies among the files (default "model.json"); shard paths are relative to it. */
  modelJsonName?: string;
}

/** Fills unknown input dimensions from options, checking the model's fixed ones agree. */
export function resolveInputShape(stored: (number | null)[], options: ImportOptions, inputName: string): [number, number, number] {
  if (stored.length !== 4) {
    throw new MicroscopeError('UNSUPPORTED', `input "${inputName}" has shape ${formatShape(stored.slice(1) as number[])}; only image inputs [H, W, C] are supported`);
  }
  const dims = stored.slice(1).map((d) => (d === null || d < 0 ? null : d));
  const given = options.inputShape;
  const out = dims.map((d, i) => {
    if (given && d !== null && given[i] !== d) {
      throw new MicroscopeError('INVALID_INPUT', `input "${inputName}" is fixed at ${formatShape(dims as number[])}; the requested ${formatShape(given)} differs`);
    }
    const v = d ?? given?.[i];
    if (v === undefined) {
      throw new MicroscopeError('INVALID_INPUT', `input "${inputName}" has no fixed size (${JSON.stringify(stored.slice(1))}); give the input shape [H, W, C]`);
    }
    return v;
  });
  return [out[0], out[1], out[2]];
}

