/**
 * A perceptually ordered sequential scale for similarity heatmaps (dark blue → teal → yellow, after viridis),
 * readable on light and dark backgrounds alike. `t` in [0, 1]; values outside are clamped.
 */
const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function sequentialColor(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  const mix = (k: number) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** Dark text on the light end of the scale, light text on the dark end. */
export function textOn(t: number): string {
  return t > 0.6 ? '#111' : '#fff';
}

/** Where v sits in [lo, hi], for the scale; a flat range maps to the middle. */
export function normalise(v: number, lo: number, hi: number): number {
  return hi > lo ? (v - lo) / (hi - lo) : 0.5;
}
