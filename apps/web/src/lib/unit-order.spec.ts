import { orderUnits, parseGridOrder, type UnitSummary } from './unit-order';

const stats = (max: number, extra: Partial<UnitSummary> = {}): UnitSummary => ({ mean: max / 2, std: 1, min: 0, max, fractionPositive: 0.5, ...extra });

describe('parseGridOrder', () => {
  it('defaults to unit order ascending and max pooling', () => {
    expect(parseGridOrder({})).toEqual({ sort: 'unit', dir: 'asc', pooling: 'max' });
  });
  it('sorts statistics descending unless told otherwise', () => {
    expect(parseGridOrder({ sort: 'max' })).toEqual({ sort: 'max', dir: 'desc', pooling: 'max' });
    expect(parseGridOrder({ sort: 'std', dir: 'asc', pooling: 'mean' })).toEqual({ sort: 'std', dir: 'asc', pooling: 'mean' });
  });
  it('ignores unknown values', () => {
    expect(parseGridOrder({ sort: 'nonsense', dir: 'sideways', pooling: 'median' })).toEqual({ sort: 'unit', dir: 'asc', pooling: 'max' });
    expect(parseGridOrder({ sort: ['mean', 'max'] }).sort).toBe('mean');
  });
});

describe('orderUnits', () => {
  const table = new Map<number, UnitSummary>([
    [0, stats(1)],
    [1, stats(5)],
    [2, stats(3)],
    [3, stats(5)],
    // 4 has no statistics yet
    [5, stats(-2)],
  ]);
  const of = (u: number) => table.get(u);

  it('lists every unit once, in unit order by default', () => {
    expect(orderUnits(6, of, { sort: 'unit', dir: 'asc', pooling: 'max' })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(orderUnits(6, of, { sort: 'unit', dir: 'desc', pooling: 'max' })).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('sorts by a statistic, ties in unit order, missing statistics last either way', () => {
    expect(orderUnits(6, of, { sort: 'max', dir: 'desc', pooling: 'max' })).toEqual([1, 3, 2, 0, 5, 4]);
    expect(orderUnits(6, of, { sort: 'max', dir: 'asc', pooling: 'max' })).toEqual([5, 0, 2, 1, 3, 4]);
  });

  it('agrees with a brute-force sort on random data', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 10 - 5;
    const many = new Map(Array.from({ length: 300 }, (_, u) => [u, stats(rand(), { std: rand() })] as const));
    const order = orderUnits(300, (u) => many.get(u), { sort: 'std', dir: 'desc', pooling: 'max' });
    expect(new Set(order).size).toBe(300);
    for (let i = 1; i < order.length; i++) expect(many.get(order[i - 1])!.std).toBeGreaterThanOrEqual(many.get(order[i])!.std);
  });
});
