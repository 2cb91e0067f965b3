/** Ordering a layer's units by a statistic, for the layer grid. */
export type Pooling = 'max' | 'mean';
export const POOLINGS: readonly Pooling[] = ['max', 'mean'];

/** The per-unit statistics the grid sorts and draws by. */
export interface UnitSummary {
  mean: number;
  std: number;
  min: number;
  max: number;
  fractionPositive: number;
}

export const SORT_KEYS = ['unit', 'max', 'mean', 'std', 'fractionPositive'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

export const SORT_LABELS: Record<SortKey, string> = {
  unit: 'Unit index',
  max: 'Maximum',
  mean: 'Mean',
  std: 'Standard deviation',
  fractionPositive: 'Fraction active (> 0)',
};

export interface GridOrder {
  sort: SortKey;
  dir: SortDir;
  pooling: Pooling;
}

/** Reads the grid's order from URL parameters, falling back to unit order for anything unknown. */
export function parseGridOrder(query: { sort?: string | string[]; dir?: string | string[]; pooling?: string | string[] }): GridOrder {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const sort = (SORT_KEYS as readonly string[]).includes(one(query.sort) ?? '') ? (one(query.sort) as SortKey) : 'unit';
  const dirParam = one(query.dir);
  const dir: SortDir = dirParam === 'asc' || dirParam === 'desc' ? dirParam : sort === 'unit' ? 'asc' : 'desc';
  const pooling: Pooling = one(query.pooling) === 'mean' ? 'mean' : 'max';
  return { sort, dir, pooling };
}

/**
 * Every unit 0…unitCount−1 in the requested order. Units without statistics (not extracted yet) come last in
 * unit order whatever the direction, and ties keep unit order, so the grid is stable as statistics arrive.
 */
export function orderUnits(unitCount: number, statsOf: (unit: number) => UnitSummary | null | undefined, order: GridOrder): number[] {
  const units = Array.from({ length: unitCount }, (_, i) => i);
  if (order.sort === 'unit') return order.dir === 'asc' ? units : units.reverse();
  const key = order.sort;
  const sign = order.dir === 'asc' ? 1 : -1;
  const value = (u: number) => {
    const s = statsOf(u);
    return s && Number.isFinite(s[key]) ? s[key] : null;
  };
  const values = units.map(value);
  return units.sort((a, b) => {
    const va = values[a];
    const vb = values[b];
    if (va === null || vb === null) return va === vb ? a - b : va === null ? 1 : -1;
    return va === vb ? a - b : sign * (va - vb);
  });
}
