import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../optvis/test-support/backend';
import { orientedUnits } from '../optvis/test-support/planted';
import { orientationDifference } from '../optvis/spectrum';
import { colours } from './colour';
import { curves } from './curves';
import { edges } from './edges';
import { evenly, type StimulusFamily } from './family';
import { gratings } from './gratings';
import { tuningCurve, tuningCurves } from './tuning';

function image(family: StimulusFamily, index: number): Float32Array {
  const out = new Float32Array(family.size * family.size * family.channels);
  family.draw(index, out, 0);
  return out;
}

describe('stimulus families', () => {
  it('enumerate the cartesian product of their axes, last axis fastest', () => {
    const family = gratings({ size: 8, channels: 1, orientations: [0, 90], frequencies: [0.1, 0.2, 0.3], phases: [0, 180] });
    expect(family.count).toBe(12);
    expect(family.params(0)).toEqual({ orientation: 0, frequency: 0.1, phase: 0 });
    expect(family.params(1)).toEqual({ orientation: 0, frequency: 0.1, phase: 180 });
    expect(family.params(11)).toEqual({ orientation: 90, frequency: 0.3, phase: 180 });
    expect(() => family.params(12)).toThrow(/outside/);
    expect(family.maxOver).toEqual(['phase']);
  });

  it('draw gratings whose stripes run at their orientation', () => {
    const size = 21;
    // 0°: horizontal stripes, constant along each row; 90°: vertical stripes, constant down each column.
    const horizontal = image(gratings({ size, channels: 1, orientations: [0], frequencies: [0.1], phases: [0] }), 0);
    const vertical = image(gratings({ size, channels: 1, orientations: [90], frequencies: [0.1], phases: [0] }), 0);
    for (let i = 0; i < size; i++) {
      expect(horizontal[5 * size + i]).toBeCloseTo(horizontal[5 * size], 5);
      expect(vertical[i * size + 5]).toBeCloseTo(vertical[5], 5);
    }
    expect(Math.max(...horizontal)).toBeCloseTo(1, 1);
  });

  it('draw colour fields in RGB, and their luminance for grey models', () => {
    const rgb = colours({ size: 2, channels: 3, hues: [0, 120], saturations: [0, 1] });
    expect(Array.from(image(rgb, 1).slice(0, 3))).toEqual([1, 0, 0]);
    expect(Array.from(image(rgb, 3).slice(0, 3))).toEqual([0, 1, 0]);
    expect(Array.from(image(rgb, 2).slice(0, 3))).toEqual([1, 1, 1]);
    const grey = colours({ size: 2, channels: 1, hues: [120], saturations: [1] });
    expect(image(grey, 0)[0]).toBeCloseTo(0.587);
  });

  it('draw edges bright on their left-hand side', () => {
    const size = 11;
    const [right, up] = [0, 90].map((o) => image(edges({ size, channels: 1, orientations: [o] }), 0));
    expect(right[0 * size + 5]).toBeGreaterThan(0.99); // top is left of "rightwards"
    expect(right[10 * size + 5]).toBeLessThan(0.01);
    expect(up[5 * size + 0]).toBeGreaterThan(0.99); // left is left of "upwards"
    expect(up[5 * size + 10]).toBeLessThan(0.01);
  });

  it('draw curves through the centre that bend to their left', () => {
    const size = 33;
    const family = curves({ size, channels: 1, orientations: [0], curvatures: [0, 4], lineWidth: 2 });
    const [straight, bent] = [image(family, 0), image(family, 1)];
    expect(straight[16 * size + 16]).toBeGreaterThan(0.9);
    expect(straight[16 * size + 6]).toBeGreaterThan(0.9);
    expect(straight[10 * size + 16]).toBe(0);
    expect(bent[16 * size + 16]).toBeGreaterThan(0.9);
    // Radius size/4 ≈ 8 px, centre of the circle above the image centre: the ends rise.
    const row = (x: number): number => {
      let best = 0;
      for (let y = 1; y < size; y++) if (bent[y * size + x] > bent[best * size + x]) best = y;
      return best;
    };
    expect(row(16 + 6)).toBeLessThan(16);
    expect(row(16 - 6)).toBeLessThan(16);
  });
});

describe('tuning curves', () => {
  beforeAll(() => useBackend('wasm'));

  it('peak within ±5° of the orientation planted in a grating-detector unit', async () => {
    const planted = [30, 125];
    const net = orientedUnits(planted);
    const family = gratings({ size: 31, channels: 3, orientations: evenly(0, 180, 180), frequencies: [1 / 6, 1 / 4, 1 / 3], phases: evenly(0, 360, 8) });
    const progress: number[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const curves = await tuningCurves(net.forward, 'edges', 'all', family, { batchSize: 256, onProgress: (done) => progress.push(done) });
    expect(curves.map((c) => c.unit)).toEqual([0, 1]);
    curves.forEach((curve, u) => {
      expect(curve.axes.map((a) => a.name)).toEqual(['orientation', 'frequency']);
      expect(curve.responses.length).toBe(180 * 3);
      expect(orientationDifference(curve.peak.params.orientation, planted[u])).toBeLessThanOrEqual(5);
      expect(curve.peak.params.frequency).toBeCloseTo(1 / 4);
      // Orthogonal gratings barely drive it.
      const orthogonal = Math.round((planted[u] + 90) % 180);
      expect(curve.responses[orthogonal * 3 + 1]).toBeLessThan(0.05 * curve.peak.response);
    });
    expect(progress[progress.length - 1]).toBe(family.count);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const one = await tuningCurve(net.forward, 'edges', 1, family, { batchSize: 512 });
    expect(Array.from(one.responses)).toEqual(Array.from(curves[1].responses));
    net.dispose();
  });
});
