import { affineTransform, type Transform } from './transform';

/** Pads every side by `width` pixels of a constant (Lucid: 0.5, mid-grey). */
export function pad(width: number, value = 0.5): Transform {
  return affineTransform(([h, w]) => ({ map: { a: [1, 0, 0, 1], t: [-width, -width] }, outSize: [h + 2 * width, w + 2 * width], fill: value }));
}
