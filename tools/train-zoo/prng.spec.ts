import { mulberry32, shuffledIndices } from './prng';

describe('prng', () => {
  it('mulberry32 is reproducible, seed-dependent and uniform-ish in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const xs = Array.from({ length: 10000 }, () => a());
    expect(Array.from({ length: 10000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(xs.slice(0, 10));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('shuffledIndices returns a permutation that depends on the seed', () => {
    const p = shuffledIndices(1000, mulberry32(1));
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(shuffledIndices(1000, mulberry32(1))).toEqual(p);
    expect(shuffledIndices(1000, mulberry32(2))).not.toEqual(p);
  });
});
