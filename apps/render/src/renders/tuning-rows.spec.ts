import { parseTuningFixedParams } from '@microscope/contracts';
import { tuningRows } from './tuning-rows';

const base = { version_id: 'v', layer: 'l', job_id: 'j', computed_at: '2024-01-01 00:00:00' };

describe('tuning rows', () => {
  it('slice a grid along its first axis at every setting of the others, holding the whole grid', () => {
    // responses[o * 6 + f * 3 + s] over orientation (2) × frequency (2) × size (3).
    const axes = [
      { name: 'orientation', values: [0, 90] },
      { name: 'frequency', values: [0.25, 0.5] },
      { name: 'size', values: [1, 2, 3] },
    ];
    const responses = Float32Array.from({ length: 12 }, (_, i) => i);
    const rows = tuningRows({ unit: 3, axes, responses, peak: { params: {}, response: 11 } }, 'grating', base);
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row).toMatchObject({ ...base, unit: 3, stimulus: 'grating', parameter: 'orientation', xs: [0, 90] });
      const { frequency, size } = parseTuningFixedParams(row.params_hash);
      const [f, s] = [axes[1].values.indexOf(frequency), axes[2].values.indexOf(size)];
      expect(row.responses).toEqual([0, 1].map((o) => o * 6 + f * 3 + s));
    }
    expect(new Set(rows.map((r) => r.params_hash)).size).toBe(6);
    expect(rows[0].params_hash).toBe('frequency=0.25&size=1');
  });

  it('make one row with nothing fixed for a one-axis family', () => {
    const rows = tuningRows({ unit: 0, axes: [{ name: 'orientation', values: [0, 15, 30] }], responses: Float32Array.from([3, 1, 2]), peak: { params: {}, response: 3 } }, 'edge', base);
    expect(rows).toEqual([{ ...base, unit: 0, stimulus: 'edge', parameter: 'orientation', params_hash: '', xs: [0, 15, 30], responses: [3, 1, 2] }]);
    expect(parseTuningFixedParams('')).toEqual({});
  });
});
