/**
 * Tuning curves (the `tuning.forUnit` API) as charts: one chart per stimulus family, the swept parameter along x,
 * one line per setting of the family's other parameters (a grating's orientation tuning at each spatial
 * frequency, a colour's hue tuning at each saturation), and the strongest response over all of them.
 */
export interface TuningCurve {
  stimulus: string;
  parameter: string;
  fixed: Record<string, number>;
  xs: number[];
  responses: number[];
}

export interface TuningSeries {
  /** The row field holding this line's responses. */
  key: string;
  /** "frequency 1/16"; the family's name when nothing is held fixed. */
  label: string;
}

export interface TuningChart {
  stimulus: string;
  parameter: string;
  series: TuningSeries[];
  /** One row per x: `{ x, s0: response, s1: … }` (a series without that x has no field). */
  rows: Array<Record<string, number>>;
  peak: { x: number; response: number; series: string } | null;
}

/** The families in the order the stimuli go from simple to complex; unknown ones follow by name. */
const FAMILY_ORDER = ['edge', 'grating', 'curve', 'colour'];

/** A stimulus parameter's value as a reader expects it: angles in degrees, frequencies as cycles per pixel. */
export function formatParameter(name: string, value: number): string {
  if (name === 'orientation' || name === 'hue' || name === 'phase') return `${trim(value)}°`;
  if (name === 'frequency' && value > 0) {
    const period = 1 / value;
    if (Math.abs(period - Math.round(period)) < 1e-9) return `1/${Math.round(period)}`;
  }
  return trim(value);
}

const trim = (v: number) => String(Number(v.toFixed(4)));

export function fixedLabel(fixed: Record<string, number>): string {
  return Object.keys(fixed)
    .sort()
    .map((k) => `${k} ${formatParameter(k, fixed[k])}`)
    .join(', ');
}

export function tuningCharts(curves: readonly TuningCurve[]): TuningChart[] {
  const families = [...new Set(curves.map((c) => c.stimulus))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return families.map((stimulus) => {
    const members = curves.filter((c) => c.stimulus === stimulus).sort((a, b) => compareFixed(a.fixed, b.fixed));
    const series = members.map((c, i) => ({ key: `s${i}`, label: fixedLabel(c.fixed) || stimulus }));
    const byX = new Map<number, Record<string, number>>();
    let peak: TuningChart['peak'] = null;
    members.forEach((c, i) => {
      c.xs.forEach((x, k) => {
        const response = c.responses[k];
        if (!Number.isFinite(response)) return;
        const row = byX.get(x) ?? { x };
        row[`s${i}`] = response;
        byX.set(x, row);
        if (!peak || response > peak.response) peak = { x, response, series: series[i].label };
      });
    });
    return { stimulus, parameter: members[0].parameter, series, rows: [...byX.values()].sort((a, b) => a.x - b.x), peak };
  });
}

function rank(family: string): number {
  const i = FAMILY_ORDER.indexOf(family);
  return i < 0 ? FAMILY_ORDER.length : i;
}

/** Lines in the order of their fixed values (lowest frequency first), so their colours run in order too. */
function compareFixed(a: Record<string, number>, b: Record<string, number>): number {
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d) return d;
  }
  return 0;
}
