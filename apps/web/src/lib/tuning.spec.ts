import { fixedLabel, formatParameter, tuningCharts, type TuningCurve } from './tuning';

const curve = (stimulus: string, parameter: string, fixed: Record<string, number>, xs: number[], responses: number[]): TuningCurve => ({ stimulus, parameter, fixed, xs, responses });

describe('tuningCharts', () => {
  const curves = [
    curve('grating', 'orientation', { frequency: 0.125 }, [0, 90], [0.5, 2]),
    curve('colour', 'hue', { saturation: 1 }, [0, 120, 240], [1, 0, 0]),
    curve('grating', 'orientation', { frequency: 0.0625 }, [0, 90, 180], [3, 1, 0.2]),
    curve('edge', 'orientation', {}, [0, 180], [0.1, 0.2]),
  ];
  const charts = tuningCharts(curves);

  it('makes one chart per family, simple stimuli first', () => {
    expect(charts.map((c) => c.stimulus)).toEqual(['edge', 'grating', 'colour']);
    expect(charts[1].parameter).toBe('orientation');
  });

  it('draws a line per setting of the other parameters, in the order of their values', () => {
    const grating = charts[1];
    expect(grating.series).toEqual([
      { key: 's0', label: 'frequency 1/16' },
      { key: 's1', label: 'frequency 1/8' },
    ]);
    expect(grating.rows).toEqual([
      { x: 0, s0: 3, s1: 0.5 },
      { x: 90, s0: 1, s1: 2 },
      { x: 180, s0: 0.2 },
    ]);
    expect(charts[0].series).toEqual([{ key: 's0', label: 'edge' }]);
  });

  it('finds the strongest response over every line of the family', () => {
    expect(charts[1].peak).toEqual({ x: 0, response: 3, series: 'frequency 1/16' });
    expect(charts[2].peak).toEqual({ x: 0, response: 1, series: 'saturation 1' });
  });

  it('skips responses that are not numbers', () => {
    const [chart] = tuningCharts([curve('edge', 'orientation', {}, [0, 15], [Number.NaN, 1])]);
    expect(chart.rows).toEqual([{ x: 15, s0: 1 }]);
    expect(chart.peak?.x).toBe(15);
  });
});

describe('formatParameter', () => {
  it('writes angles in degrees and frequencies as cycles per pixel', () => {
    expect(formatParameter('orientation', 22.5)).toBe('22.5°');
    expect(formatParameter('frequency', 1 / 32)).toBe('1/32');
    expect(formatParameter('frequency', 0.3)).toBe('0.3');
    expect(formatParameter('curvature', 4)).toBe('4');
    expect(fixedLabel({ saturation: 0.25, curvature: 2 })).toBe('curvature 2, saturation 0.25');
  });
});
