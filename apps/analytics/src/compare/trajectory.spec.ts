import { followUnit, type BestMatch, type BestMatchLookup } from './trajectory';

/** A lookup over an explicit table "from>to" → unit → best match; pairs absent from the table were never compared. */
function lookupOf(table: Record<string, Record<number, BestMatch>>): BestMatchLookup {
  return (from, to, unit) => {
    const pair = table[`${from}>${to}`];
    if (!pair) return null;
    return pair[unit] ?? 'unmatched';
  };
}

describe('followUnit', () => {
  // Four checkpoints; the anchor is unit 2 of the last. Going back: 3→2 strong, 2→1 strong, 1→0 weak (the unit
  // "appeared" at checkpoint 1). Unit 7 of checkpoint 2 has best match 2 in 3 (mutual); at 1 → 2 the best match
  // back is a different unit (not mutual).
  const table = {
    '3>2': { 2: { unit: 7, correlation: 0.95 } },
    '2>3': { 7: { unit: 2, correlation: 0.95 } },
    '2>1': { 7: { unit: 4, correlation: 0.8 } },
    '1>2': { 4: { unit: 6, correlation: 0.85 } },
    '1>0': { 4: { unit: 1, correlation: 0.3 } },
    '0>1': { 1: { unit: 4, correlation: 0.3 } },
  };

  it('follows the unit back through best matches, with link correlations, mutuality and a stability score', () => {
    const t = followUnit(4, 3, 2, lookupOf(table), 0.5);
    expect(t.points.map((p) => p.unit)).toEqual([1, 4, 7, 2]);
    expect(t.points.map((p) => p.link)).toEqual([0.3, 0.8, 0.95, null]);
    expect(t.points.map((p) => p.reciprocal)).toEqual([true, false, true, null]);
    expect(t.stability).toBeCloseTo((0.3 + 0.8 + 0.95) / 3, 12);
    expect(t.weakestLink).toBe(0.3);
    expect(t.reciprocalFraction).toBeCloseTo(2 / 3, 12);
    expect(t.stableSpan).toEqual({ from: 1, to: 3 });
    expect(t.missing).toEqual([]);
  });

  it('walks both ways from an anchor in the middle', () => {
    const t = followUnit(4, 2, 7, lookupOf(table), 0.9);
    expect(t.points.map((p) => p.unit)).toEqual([1, 4, 7, 2]);
    expect(t.stableSpan).toEqual({ from: 2, to: 3 });
  });

  it('stops at a comparison that was never computed and names it', () => {
    const { '1>0': _gone, ...partial } = table;
    const t = followUnit(4, 3, 2, lookupOf(partial), 0.5);
    expect(t.points.map((p) => p.unit)).toEqual([null, 4, 7, 2]);
    expect(t.missing).toEqual([[0, 1]]);
    expect(t.stability).toBeCloseTo((0.8 + 0.95) / 2, 12);
  });

  it('stops at a unit without a match (constant on the probe set) without calling the comparison missing', () => {
    const t = followUnit(4, 3, 5, lookupOf(table), 0.5);
    expect(t.points.map((p) => p.unit)).toEqual([null, null, null, 5]);
    expect(t.missing).toEqual([]);
    expect(t.stability).toBeNull();
    expect(t.stableSpan).toEqual({ from: 3, to: 3 });
  });
});
