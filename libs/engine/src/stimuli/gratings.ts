import { evenly, makeFamily, type StimulusFamily } from './family';

export interface GratingOptions {
  size: number;
  channels: number;
  /** Stripe orientations in degrees (default every 5° over 0–180). */
  orientations?: readonly number[];
  /** Spatial frequencies in cycles per pixel (default 1/32, 1/16, 1/8, 1/4). */
  frequencies?: readonly number[];
  /** Phases in degrees (default every 45°). */
  phases?: readonly number[];
  /** Michelson contrast (default 1). */
  contrast?: number;
}

/**
 * Sinusoidal gratings, orientation × spatial frequency × phase: 0.5 + 0.5·contrast·cos(2πf·(sin θ·dx + cos θ·dy) + φ),
 * whose stripes run at θ counter-clockwise from horizontal on screen. Tuning curves take the max over phase.
 */
export function gratings(options: GratingOptions): StimulusFamily {
  const contrast = options.contrast ?? 1;
  return makeFamily(
    'grating',
    options.size,
    options.channels,
    [
      { name: 'orientation', values: options.orientations ?? evenly(0, 180, 36) },
      { name: 'frequency', values: options.frequencies ?? [1 / 32, 1 / 16, 1 / 8, 1 / 4] },
      { name: 'phase', values: options.phases ?? evenly(0, 360, 8) },
    ],
    ['phase'],
    {
      gray: ({ orientation, frequency, phase }) => {
        const t = (orientation * Math.PI) / 180;
        const [kx, ky] = [2 * Math.PI * frequency * Math.sin(t), 2 * Math.PI * frequency * Math.cos(t)];
        const p = (phase * Math.PI) / 180;
        return (dx, dy) => 0.5 + 0.5 * contrast * Math.cos(kx * dx + ky * dy + p);
      },
    },
  );
}
