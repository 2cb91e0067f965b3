import { MicroscopeError } from '@microscope/contracts';
import { TopK, topK } from './top-k';
import { seededRandom } from './test-random';

/** Brute force: sort everything by value descending, then index ascending, and cut. */
function bruteTopK(values: number[], k: number) {
  return values
    .map((value, index) => ({ index, value }))
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .slice(0, k);
}

describe('topK', () => {
  const random = seededRandom(2024);
  const cases: { n: number; k: number; ties: boolean }[] = [];
  for (const n of [0, 1, 2, 7, 100, 1000]) for (const k of [0, 1, 3, 10, n, n + 5]) for (const ties of [false, true]) cases.push({ n, k, ties });

  it.each(cases)('matches a full sort: n=$n k=$k ties=$ties', ({ n, k, ties }) => {
    // With ties on, values come from {0..4}: many equal values, so the index tie-break decides.
    const values = Array.from({ length: n }, () => (ties ? Math.floor(random() * 5) : random() * 200 - 100));
    expect(topK(values, k)).toEqual(bruteTopK(values, k));
  });

  it('does not depend on the order values arrive in', () => {
    const values = Array.from({ length: 500 }, () => Math.floor(random() * 10));
    const order = values.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const shuffled = new TopK<string>(25);
    for (const i of order) shuffled.push(values[i], i, `image-${i}`);
    const expected = bruteTopK(values, 25);
    expect(shuffled.sorted().map(({ index, value }) => ({ index, value }))).toEqual(expected);
    expect(shuffled.sorted().map((e) => e.item)).toEqual(expected.map((e) => `image-${e.index}`));
  });

  it('merges per-batch results into the result over everything', () => {
    const values = Array.from({ length: 400 }, () => Math.floor(random() * 20));
    const parts = [new TopK(12), new TopK(12), new TopK(12)];
    values.forEach((v, i) => parts[i % 3].push(v, i, undefined));
    const merged = parts.reduce((acc, part) => acc.merge(part), new TopK(12));
    expect(merged.sorted().map(({ index, value }) => ({ index, value }))).toEqual(bruteTopK(values, 12));
  });

  it('keeps at most k entries and handles infinities', () => {
    const top = new TopK(2);
    [Number.NEGATIVE_INFINITY, 1, Number.POSITIVE_INFINITY, 3].forEach((v, i) => top.push(v, i, undefined));
    expect(top.size).toBe(2);
    expect(top.sorted().map((e) => e.value)).toEqual([Number.POSITIVE_INFINITY, 3]);
  });

  it('rejects NaN values and invalid k with INVALID_INPUT', () => {
    expect(() => new TopK(2).push(Number.NaN, 0, undefined)).toThrow(MicroscopeError);
    expect(() => new TopK(-1)).toThrow(/non-negative integer/);
    expect(() => new TopK(1.5)).toThrow(MicroscopeError);
  });
});
