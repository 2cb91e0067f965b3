import { tuningFixedParamsKey } from '@microscope/contracts';
import type { stimuli } from '@microscope/engine';

/** One row of `tuning_curves`: a unit's responses along one swept parameter, the family's other parameters fixed. */
export type TuningRow = {
  version_id: string;
  layer: string;
  unit: number;
  stimulus: string;
  parameter: string;
  params_hash: string;
  xs: number[];
  responses: number[];
  job_id: string;
  computed_at: string;
};

/**
 * A curve over a grid of axes (last fastest) as rows along its first axis, one per combination of the others:
 * a grating's orientation tuning at each spatial frequency, a colour's hue tuning at each saturation. Together
 * the rows hold the whole grid.
 */
export function tuningRows(curve: stimuli.TuningCurve, stimulus: string, base: Pick<TuningRow, 'version_id' | 'layer' | 'job_id' | 'computed_at'>): TuningRow[] {
  const [swept, ...others] = curve.axes;
  const stride = others.reduce((n, a) => n * a.values.length, 1);
  const rows: TuningRow[] = [];
  for (let combo = 0; combo < stride; combo++) {
    const fixed: Record<string, number> = {};
    let rest = combo;
    for (let a = others.length - 1; a >= 0; a--) {
      const n = others[a].values.length;
      fixed[others[a].name] = others[a].values[rest % n];
      rest = Math.floor(rest / n);
    }
    rows.push({
      ...base,
      unit: curve.unit,
      stimulus,
      parameter: swept.name,
      params_hash: tuningFixedParamsKey(fixed),
      xs: [...swept.values],
      responses: swept.values.map((_, i) => curve.responses[i * stride + combo]),
    });
  }
  return rows;
}
