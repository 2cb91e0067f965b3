import { evenly, makeFamily, type StimulusFamily } from './family';

export interface EdgeOptions {
  size: number;
  channels: number;
  /** Edge direction in degrees over 0–360; the bright side is on its left (default every 15°). */
  orientations?: readonly number[];
  contrast?: number;
  /** Width of the transition in pixels (default 1). */
  softness?: number;
}

/** Luminance step edges through the centre; orientation over 360° so both polarities appear. */
export function edges(options: EdgeOptions): StimulusFamily {
  const contrast = options.contrast ?? 1;
  const softness = options.softness ?? 1;
  return makeFamily('edge', options.size, options.channels, [{ name: 'orientation', values: options.orientations ?? evenly(0, 360, 24) }], [], {
    gray: ({ orientation }) => {
      const t = (orientation * Math.PI) / 180;
      // Signed distance towards the left of the direction (cos t, −sin t) in image coordinates.
      const [nx, ny] = [-Math.sin(t), -Math.cos(t)];
      return (dx, dy) => 0.5 + 0.5 * contrast * Math.tanh((nx * dx + ny * dy) / softness);
    },
  });
}
