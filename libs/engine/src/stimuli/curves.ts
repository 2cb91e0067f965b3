import { evenly, makeFamily, type StimulusFamily } from './family';

export interface CurveOptions {
  size: number;
  channels: number;
  /** Tangent direction at the centre in degrees over 0–360 (a curve bends to its left) (default every 15°). */
  orientations?: readonly number[];
  /** Curvature in units of 1/size: the radius is size / curvature; 0 is a straight line (default 0, 1, 2, 4, 8). */
  curvatures?: readonly number[];
  /** Line width in pixels (default max(1.5, size/32)). */
  lineWidth?: number;
  /** The curve is drawn within this distance of the centre, as a fraction of the size (default 0.35). */
  extent?: number;
  foreground?: number;
  background?: number;
}

/**
 * Anti-aliased curve segments through the image centre, orientation × curvature. The tangent at the centre points
 * at `orientation` (counter-clockwise on screen) and the curve bends towards its left-hand side.
 */
export function curves(options: CurveOptions): StimulusFamily {
  const { size } = options;
  const halfWidth = (options.lineWidth ?? Math.max(1.5, size / 32)) / 2;
  const extent = (options.extent ?? 0.35) * size;
  const fg = options.foreground ?? 1;
  const bg = options.background ?? 0;
  return makeFamily(
    'curve',
    size,
    options.channels,
    [
      { name: 'orientation', values: options.orientations ?? evenly(0, 360, 24) },
      { name: 'curvature', values: options.curvatures ?? [0, 1, 2, 4, 8] },
    ],
    [],
    {
      gray: ({ orientation, curvature }) => {
        const t = (orientation * Math.PI) / 180;
        // Left-hand normal of the tangent (cos t, −sin t) in image coordinates (y down).
        const [nx, ny] = [-Math.sin(t), -Math.cos(t)];
        const kappa = curvature / size;
        const radius = kappa > 0 ? 1 / kappa : Infinity;
        return (dx, dy) => {
          const distance = kappa > 0 ? Math.abs(Math.hypot(dx - nx * radius, dy - ny * radius) - radius) : Math.abs(nx * dx + ny * dy);
          const coverage = clamp01(halfWidth + 0.5 - distance) * clamp01(extent + 0.5 - Math.hypot(dx, dy));
          return bg + (fg - bg) * coverage;
        };
      },
    },
  );
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
