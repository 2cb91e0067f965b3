/**
 * Following one unit through an ordered chain of versions (checkpoints of one run) by its best matches, version to
 * version. Pure: the caller supplies the stored best matches, so this is tested without a warehouse.
 */

/** A unit's best match in another version's same layer: the stored rank-0 top-k row. */
export interface BestMatch {
  unit: number;
  correlation: number;
}

/**
 * Best match of `unit` of version `from` in version `to`; 'unmatched' when the versions were compared but the unit
 * has no match (it, or every candidate, is constant on the probe set); null when they have not been compared.
 */
export type BestMatchLookup = (from: number, to: number, unit: number) => BestMatch | 'unmatched' | null;

export interface TrajectoryPoint {
  /** Position in the chain. */
  index: number;
  /** The tracked unit in this version; null past a break (a comparison missing, or a unit without a match). */
  unit: number | null;
  /**
   * Correlation with the tracked unit of the neighbour towards the anchor (the link that reached this version);
   * null at the anchor.
   */
  link: number | null;
  /** Whether that link is a mutual best match (each unit the other's best). */
  reciprocal: boolean | null;
}

export interface Trajectory {
  points: TrajectoryPoint[];
  /** Mean correlation of the links followed: 1 when the unit is present unchanged in every version. */
  stability: number | null;
  /** Smallest link correlation followed. */
  weakestLink: number | null;
  /** Fraction of links that are mutual best matches. */
  reciprocalFraction: number | null;
  /**
   * The contiguous range of chain positions around the anchor whose every link is ≥ threshold: with the anchor
   * at the final version, `from` is where the unit appeared (and stayed).
   */
  stableSpan: { from: number; to: number };
  /** Pairs of adjacent positions whose comparison is missing, so the walk could not continue. */
  missing: Array<[number, number]>;
}

/**
 * Walks from the anchor to both ends of the chain: at each step the tracked unit moves to its best match in the
 * next version. Links are consecutive versions only, so a unit that drifts slowly is followed where a direct
 * comparison with the anchor would lose it.
 */
export function followUnit(chainLength: number, anchor: number, unit: number, bestMatch: BestMatchLookup, threshold: number): Trajectory {
  const points: TrajectoryPoint[] = Array.from({ length: chainLength }, (_, index) => ({ index, unit: null, link: null, reciprocal: null }));
  points[anchor].unit = unit;
  const missing: Array<[number, number]> = [];
  for (const direction of [-1, 1]) {
    for (let from = anchor; from + direction >= 0 && from + direction < chainLength; from += direction) {
      const to = from + direction;
      const current = points[from].unit!;
      const match = bestMatch(from, to, current);
      if (match === null) missing.push(direction < 0 ? [to, from] : [from, to]);
      if (match === null || match === 'unmatched') break;
      const back = bestMatch(to, from, match.unit);
      points[to] = { index: to, unit: match.unit, link: match.correlation, reciprocal: back && back !== 'unmatched' ? back.unit === current : null };
    }
  }

  const links = points.filter((p) => p.link !== null);
  const correlations = links.map((p) => p.link!);
  let from = anchor;
  while (from > 0 && points[from - 1].link !== null && points[from - 1].link! >= threshold) from--;
  let to = anchor;
  while (to < chainLength - 1 && points[to + 1].link !== null && points[to + 1].link! >= threshold) to++;
  return {
    points,
    stability: correlations.length ? correlations.reduce((a, b) => a + b, 0) / correlations.length : null,
    weakestLink: correlations.length ? Math.min(...correlations) : null,
    reciprocalFraction: links.length ? links.filter((p) => p.reciprocal).length / links.length : null,
    stableSpan: { from, to },
    missing,
  };
}
