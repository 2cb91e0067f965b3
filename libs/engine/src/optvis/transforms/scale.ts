import { affineTransform, type Transform } from './transform';

/**
 * Resizes by a factor picked from `scales` (Lucid's random_scale: the size is ⌊factor·size⌋), bilinear with
 * pixel centres mapped onto pixel centres.
 */
export function randomScale(scales: readonly number[]): Transform {
  return affineTransform(([h, w], rng) => {
    const factor = rng.pick(scales);
    const outSize: [number, number] = [Math.max(1, Math.floor(factor * h)), Math.max(1, Math.floor(factor * w))];
    const [ry, rx] = [h / outSize[0], w / outSize[1]];
    return { map: { a: [ry, 0, 0, rx], t: [0.5 * ry - 0.5, 0.5 * rx - 0.5] }, outSize };
  });
}
