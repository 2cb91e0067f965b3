import { MicroscopeError } from '@microscope/contracts';
import { affineTransform, type Transform } from './transform';

/** A random crop `d` pixels smaller in each dimension, offsets uniform in 0..d (Lucid's jitter). */
export function jitter(d: number): Transform {
  return affineTransform(([h, w], rng) => {
    if (d >= h || d >= w) throw new MicroscopeError('INVALID_INPUT', `jitter ${d} does not fit a ${h}×${w} image`);
    const dy = rng.int(d + 1);
    const dx = rng.int(d + 1);
    return { map: { a: [1, 0, 0, 1], t: [dy, dx] }, outSize: [h - d, w - d] };
  });
}
