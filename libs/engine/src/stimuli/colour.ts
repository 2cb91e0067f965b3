import { evenly, makeFamily, type StimulusFamily } from './family';

export interface ColourOptions {
  size: number;
  channels: number;
  /** Hues in degrees (default every 30°). */
  hues?: readonly number[];
  /** Saturations in [0, 1] (default 0, 0.25, …, 1). */
  saturations?: readonly number[];
  /** HSV value (brightness) in [0, 1] (default 1). */
  value?: number;
}

/** Uniform colour fields, hue × saturation (HSV). Grey models see their luminance. */
export function colours(options: ColourOptions): StimulusFamily {
  const value = options.value ?? 1;
  return makeFamily(
    'colour',
    options.size,
    options.channels,
    [
      { name: 'hue', values: options.hues ?? evenly(0, 360, 12) },
      { name: 'saturation', values: options.saturations ?? [0, 0.25, 0.5, 0.75, 1] },
    ],
    [],
    {
      colour: ({ hue, saturation }) => {
        const rgb = hsvToRgb(hue, saturation, value);
        return () => rgb;
      },
    },
  );
}

/** HSV (hue in degrees) to RGB in [0, 1]. */
export function hsvToRgb(hue: number, saturation: number, value: number): [number, number, number] {
  const h = (((hue % 360) + 360) % 360) / 60;
  const c = value * saturation;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const m = value - c;
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return [r + m, g + m, b + m];
}
