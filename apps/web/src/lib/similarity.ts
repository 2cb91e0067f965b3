/**
 * Reading the comparison API for the compare and unit pages: which similarity measures a result holds, in what
 * order to offer them, and how to order a layer pair's unit matching table.
 */

/** The layer similarity measures the compare job computes, in the order the page offers them. */
export const METRICS = [
  { value: 'cka', label: 'Linear CKA', hint: 'Centred kernel alignment of the two layers’ activations over the probe images; 1 = the same up to rotation and scale' },
  { value: 'dcka', label: 'Debiased linear CKA', hint: 'CKA from the unbiased HSIC estimator: less inflated when there are few probe images for many units; can dip below 0' },
  { value: 'svcca', label: 'SVCCA', hint: 'Mean canonical correlation of the top singular directions (Raghu et al.)' },
] as const;
export type Metric = (typeof METRICS)[number]['value'];

export const metricLabel = (metric: string): string => METRICS.find((m) => m.value === metric)?.label ?? metric;

/** The measures a result holds values for, in the page's order (unknown ones after, as the API named them). */
export function availableMetrics(matrices: Partial<Record<string, unknown>>): string[] {
  const present = Object.keys(matrices).filter((k) => matrices[k] !== undefined);
  const known = METRICS.map((m) => m.value as string).filter((m) => present.includes(m));
  return [...known, ...present.filter((m) => !known.includes(m)).sort()];
}

/** The measure to show: the one asked for if the result holds it, else the first it holds (null when none). */
export function chooseMetric(asked: string | undefined, available: readonly string[]): string | null {
  if (asked && available.includes(asked)) return asked;
  return available[0] ?? null;
}

export interface PairMatchRow {
  unit: number;
  best: { unit: number; correlation: number }[];
  oneToOne: { unit: number; correlation: number } | null;
}

export type MatchOrder = 'unit' | 'correlation';

/**
 * A layer pair's matching table in the order asked: by unit, or by best correlation (highest first; units
 * without a match, constant on the probe set, last in unit order).
 */
export function orderMatches<R extends PairMatchRow>(rows: readonly R[], order: MatchOrder): R[] {
  if (order === 'unit') return [...rows].sort((a, b) => a.unit - b.unit);
  const best = (r: R) => r.best[0]?.correlation ?? -Infinity;
  return [...rows].sort((a, b) => best(b) - best(a) || a.unit - b.unit);
}

/** How many units have a best match at or above a correlation: "12 of 16 units matched at r ≥ 0.9". */
export function matchedAbove(rows: readonly PairMatchRow[], threshold: number): { matched: number; units: number } {
  return { matched: rows.filter((r) => (r.best[0]?.correlation ?? -Infinity) >= threshold).length, units: rows.length };
}

/** The labels of a study-wide matrix: one row per layer of each version, "model@version · layer". */
export function studyMatrixLabels(versions: readonly { model: string; version: string; layers: readonly { name: string }[] }[]): {
  labels: string[];
  cells: { model: string; version: string; layer: string }[];
} {
  const cells = versions.flatMap((v) => v.layers.map((l) => ({ model: v.model, version: v.version, layer: l.name })));
  return { labels: cells.map((c) => `${c.model}@${c.version} · ${c.layer}`), cells };
}
