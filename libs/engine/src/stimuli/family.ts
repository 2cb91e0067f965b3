import { MicroscopeError } from '@microscope/contracts';

/** One parameter of a stimulus family and the values it takes. */
export interface StimulusAxis {
  name: string;
  values: readonly number[];
}

export type StimulusKind = 'grating' | 'colour' | 'curve' | 'edge';

/**
 * A family of parametric images: the cartesian product of its axes (last axis fastest), each image size × size ×
 * channels with values in [0, 1]. Orientation conventions match `optvis/spectrum`: degrees counter-clockwise from
 * horizontal as seen on screen.
 */
export interface StimulusFamily {
  kind: StimulusKind;
  size: number;
  channels: number;
  axes: readonly StimulusAxis[];
  /** Axes a tuning curve takes the maximum over (a grating's phase), so the curve is over the others. */
  maxOver: readonly string[];
  count: number;
  params(index: number): Record<string, number>;
  /** Writes image `index` (row-major, channels last) into `out` at `offset`. */
  draw(index: number, out: Float32Array, offset: number): void;
}

/** Grey level at image position (x, y), coordinates relative to the image centre, y pointing down. */
export type GrayPainter = (params: Record<string, number>) => (dx: number, dy: number) => number;
/** RGB at a position. */
export type ColourPainter = (params: Record<string, number>) => (dx: number, dy: number) => [number, number, number];

export function makeFamily(
  kind: StimulusKind,
  size: number,
  channels: number,
  axes: StimulusAxis[],
  maxOver: string[],
  paint: { gray: GrayPainter } | { colour: ColourPainter },
): StimulusFamily {
  for (const [name, v] of Object.entries({ size, channels })) {
    if (!Number.isInteger(v) || v < 1) throw new MicroscopeError('INVALID_INPUT', `stimulus ${name} must be a positive integer, got ${v}`);
  }
  for (const axis of axes) {
    if (axis.values.length === 0) throw new MicroscopeError('INVALID_INPUT', `stimulus axis "${axis.name}" has no values`);
  }
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  const params = (index: number): Record<string, number> => {
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new MicroscopeError('INVALID_INPUT', `stimulus ${index} is outside 0..${count - 1}`);
    const out: Record<string, number> = {};
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      const n = axes[a].values.length;
      out[axes[a].name] = axes[a].values[rest % n];
      rest = Math.floor(rest / n);
    }
    return out;
  };
  const centre = (size - 1) / 2;
  const draw = (index: number, out: Float32Array, offset: number): void => {
    const p = params(index);
    if ('gray' in paint) {
      const at = paint.gray(p);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const v = clamp01(at(x - centre, y - centre));
          const base = offset + (y * size + x) * channels;
          for (let c = 0; c < channels; c++) out[base + c] = v;
        }
      }
    } else {
      const at = paint.colour(p);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const rgb = at(x - centre, y - centre).map(clamp01);
          const base = offset + (y * size + x) * channels;
          if (channels === 3) {
            out[base] = rgb[0];
            out[base + 1] = rgb[1];
            out[base + 2] = rgb[2];
          } else {
            // Grey or other channel counts see luminance (Rec. 601).
            const luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
            for (let c = 0; c < channels; c++) out[base + c] = luma;
          }
        }
      }
    }
  };
  return { kind, size, channels, axes, maxOver, count, params, draw };
}

/** `count` evenly spaced values from `start` (inclusive) over `span` (exclusive). */
export function evenly(start: number, span: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + (span * i) / count);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
