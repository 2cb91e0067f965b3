import { gratings } from '../stimuli/gratings';
import { Rng } from './rng';
import { dominantOrientation, orientationDifference } from './spectrum';

function grating(size: number, orientation: number, frequency: number, phase = 0): Float32Array {
  const family = gratings({ size, channels: 1, orientations: [orientation], frequencies: [frequency], phases: [phase] });
  const out = new Float32Array(size * size);
  family.draw(0, out, 0);
  return out;
}

describe('dominantOrientation', () => {
  it.each([0, 7, 45, 90, 111, 137, 179])('finds the stripe orientation of a %i° grating', (degrees) => {
    for (const frequency of [1 / 5, 1 / 9]) {
      const found = dominantOrientation(grating(48, degrees, frequency, 30), 48, 48);
      expect(orientationDifference(found.degrees, degrees)).toBeLessThanOrEqual(1);
      expect(found.strength).toBeGreaterThan(0.8);
    }
  });

  it('averages colour channels and ignores the mean level', () => {
    const g = grating(32, 60, 1 / 6);
    const rgb = new Float32Array(32 * 32 * 3);
    for (let i = 0; i < g.length; i++) [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]] = [g[i] + 3, 0.2, g[i]];
    expect(orientationDifference(dominantOrientation(rgb, 32, 32, 3).degrees, 60)).toBeLessThanOrEqual(1);
  });

  it('reports a weak orientation for noise', () => {
    const rng = new Rng(1);
    const noise = Float32Array.from({ length: 64 * 64 }, () => rng.next());
    expect(dominantOrientation(noise, 64, 64).strength).toBeLessThan(0.2);
  });

  it('measures orientation differences modulo 180°', () => {
    expect(orientationDifference(178, 3)).toBeCloseTo(5);
    expect(orientationDifference(10, 190)).toBeCloseTo(0);
    expect(orientationDifference(0, 90)).toBeCloseTo(90);
  });
});
