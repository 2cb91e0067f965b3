import { affineTransform, type Transform } from './transform';

/**
 * Resizes to a fixed [height, width] (bilinear, pixel centres onto pixel centres): the last step for models with a
 * fixed input size, fused with the random transforms before it into one resampling.
 */
export function resizeTo(size: readonly [number, number]): Transform {
  return affineTransform(([h, w]) => {
    const [ry, rx] = [h / size[0], w / size[1]];
    return { map: { a: [ry, 0, 0, rx], t: [0.5 * ry - 0.5, 0.5 * rx - 0.5] }, outSize: [size[0], size[1]] };
  });
}
