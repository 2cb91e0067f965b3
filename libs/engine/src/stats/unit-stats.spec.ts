import { MicroscopeError } from '@microscope/contracts';
import { histogram, MomentAccumulator, summarize } from './unit-stats';
import { normal, seededRandom } from './test-random';

/** Brute force in float64: two passes, the mean of the deviations from a known offset added back. */
function reference(values: ArrayLike<number>, offset: number) {
  const xs = Array.from(values);
  const n = xs.length;
  const mean = offset + xs.reduce((s, x) => s + (x - offset), 0) / n;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  return { n, mean, std: Math.sqrt(variance), min: Math.min(...xs), max: Math.max(...xs), fractionPositive: xs.filter((x) => x > 0).length / n };
}

/** Brute-force histogram: every value tested against every bin's edges. */
function bruteCounts(values: ArrayLike<number>, edges: number[]): number[] {
  const bins = edges.length - 1;
  return Array.from({ length: bins }, (_, b) =>
    Array.from(values).filter((v) => v >= edges[b] && (b === bins - 1 ? v <= edges[b + 1] : v < edges[b + 1])).length,
  );
}

function sample(n: number, offset: number, scale: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => offset + scale * normal(random));
}

describe('summarize', () => {
  const cases = [
    { n: 1, offset: 0, scale: 1 },
    { n: 2, offset: -3, scale: 0.5 },
    { n: 17, offset: 0, scale: 1 },
    { n: 1000, offset: 0.25, scale: 2 },
    { n: 1000, offset: 1e6, scale: 1 },
    { n: 5000, offset: 1e9, scale: 1 },
    { n: 5000, offset: -1e9, scale: 1e-3 },
  ];

  it.each(cases)('matches two-pass float64 brute force: n=$n offset=$offset scale=$scale', ({ n, offset, scale }) => {
    const values = sample(n, offset, scale, n + 7);
    const ref = reference(values, offset);
    const s = summarize(values, { bins: 10 });
    expect(s.count).toBe(n);
    expect(Math.abs(s.mean - ref.mean)).toBeLessThanOrEqual(1e-12 * Math.abs(offset) + 1e-12);
    // Inputs on an offset carry only ~eps·|offset| absolute precision; allow that much on top of 1e-6 relative.
    expect(Math.abs(s.std - ref.std)).toBeLessThanOrEqual(1e-6 * ref.std + 1e-15 * Math.abs(offset));
    expect(s.min).toBe(ref.min);
    expect(s.max).toBe(ref.max);
    expect(s.fractionPositive).toBe(ref.fractionPositive);
    expect(s.histogram.counts).toEqual(bruteCounts(values, s.histogram.edges));
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('is stable where the textbook E[x²] − E[x]² formula is not', () => {
    const values = sample(5000, 1e9, 1, 3);
    const ref = reference(values, 1e9);
    const naiveVariance = values.reduce((s, x) => s + x * x, 0) / values.length - (values.reduce((s, x) => s + x, 0) / values.length) ** 2;
    // The naive result is far off (this data set really exercises stability) ...
    expect(Math.abs(Math.sqrt(Math.max(0, naiveVariance)) - ref.std)).toBeGreaterThan(0.1);
    // ... and Welford is not.
    expect(summarize(values, { bins: 4 }).std).toBeCloseTo(ref.std, 6);
  });

  it('works in float64 on Float32Array input', () => {
    const values = Float32Array.from(sample(777, 100, 3, 11));
    const ref = reference(values, 100);
    const s = summarize(values, { bins: 7 });
    expect(s.mean).toBeCloseTo(ref.mean, 10);
    expect(s.std).toBeCloseTo(ref.std, 10);
    expect(s.histogram.counts).toEqual(bruteCounts(values, s.histogram.edges));
  });

  it('counts only values > 0 as positive', () => {
    const s = summarize([0, 0, 1, -1, 2, 0], { bins: 2 });
    expect(s.fractionPositive).toBeCloseTo(2 / 6, 15);
  });

  it('puts constant input into one closed bin [v, v] and reports zero spread', () => {
    const s = summarize(new Float32Array(50).fill(2.5), { bins: 20 });
    expect(s).toMatchObject({ count: 50, mean: 2.5, std: 0, min: 2.5, max: 2.5, fractionPositive: 1 });
    expect(s.histogram).toEqual({ edges: [2.5, 2.5], counts: [50] });
  });

  it('rejects empty input, non-finite values and bad bin counts with INVALID_INPUT', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof MicroscopeError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => summarize([], { bins: 10 }))).toBe('INVALID_INPUT');
    expect(code(() => summarize([1, Number.NaN], { bins: 10 }))).toBe('INVALID_INPUT');
    expect(code(() => summarize([1, Number.POSITIVE_INFINITY], { bins: 10 }))).toBe('INVALID_INPUT');
    expect(code(() => summarize([1, 2], { bins: 0 }))).toBe('INVALID_INPUT');
    expect(code(() => summarize([1, 2], { bins: 2.5 }))).toBe('INVALID_INPUT');
  });
});

describe('histogram', () => {
  it('assigns values on edges to the bin they open, and the maximum to the last bin', () => {
    // Range [0, 10] in 5 bins: edges 0, 2, 4, 6, 8, 10 exactly.
    const values = [0, 1, 2, 3.999, 4, 6, 8, 9.5, 10, 10];
    const h = histogram(values, 5, 0, 10);
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(h.counts).toEqual([2, 2, 1, 1, 4]);
  });

  it('agrees with brute force when edges are not representable (rounding at the boundaries)', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 50; trial++) {
      const bins = 1 + Math.floor(random() * 30);
      const min = -random() * 3;
      const max = min + 0.1 + random();
      // Values drawn from the edges themselves plus random ones: the hard cases.
      const width = (max - min) / bins;
      const edgeValues = Array.from({ length: bins + 1 }, (_, i) => min + i * width);
      const values = [...edgeValues.filter((v) => v <= max), ...Array.from({ length: 200 }, () => min + random() * (max - min)), max];
      const h = histogram(values, bins, min, max);
      expect(h.edges).toHaveLength(bins + 1);
      expect(h.edges[0]).toBe(min);
      expect(h.edges[bins]).toBe(max);
      for (let i = 0; i < bins; i++) expect(h.edges[i]).toBeLessThanOrEqual(h.edges[i + 1]);
      expect(h.counts).toEqual(bruteCounts(values, h.edges));
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    }
  });

  it('ignores values outside the given range', () => {
    expect(histogram([-1, 0, 0.5, 1, 2], 2, 0, 1).counts).toEqual([1, 2]);
  });
});

describe('MomentAccumulator.merge (Chan et al.)', () => {
  it('equals one pass over everything, in any split and merge order, empty parts included', () => {
    const random = seededRandom(99);
    const values = sample(3000, 5e7, 4, 1);
    const whole = new MomentAccumulator().addAll(values);
    for (let trial = 0; trial < 20; trial++) {
      // Random cut points, some of them repeated so that some parts are empty.
      const cuts = [0, ...Array.from({ length: 6 }, () => Math.floor(random() * values.length)), values.length].sort((a, b) => a - b);
      const parts = cuts.slice(1).map((end, i) => new MomentAccumulator().addAll(values.slice(cuts[i], end)));
      if (trial % 2 === 1) parts.reverse();
      const merged = parts.reduce((acc, part) => acc.merge(part), new MomentAccumulator());
      expect(merged.count).toBe(whole.count);
      expect(Math.abs(merged.mean - whole.mean)).toBeLessThan(1e-12 * 5e7);
      expect(merged.std).toBeCloseTo(whole.std, 7);
      expect(merged.min).toBe(whole.min);
      expect(merged.max).toBe(whole.max);
      expect(merged.positives).toBe(whole.positives);
    }
  });

  it('merging into or from an empty accumulator is the identity', () => {
    const a = new MomentAccumulator().addAll([1, 2, 3]);
    const copy = new MomentAccumulator().merge(a);
    expect(copy).toMatchObject({ count: 3, mean: 2, m2: 2, min: 1, max: 3, positives: 3 });
    expect(a.merge(new MomentAccumulator())).toMatchObject({ count: 3, mean: 2, m2: 2 });
  });
});
