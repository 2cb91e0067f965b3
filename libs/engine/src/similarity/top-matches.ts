import { MicroscopeError } from '@microscope/contracts';
import type { CorrelationBlock, CorrelationResult } from './correlation';

/** The best k matches of each unit, best first. Slots past a unit's last candidate hold index −1 and value 0. */
export interface MatchList {
  readonly units: number;
  readonly k: number;
  /** units × k: matched unit of the other layer. */
  readonly indices: Int32Array;
  /** units × k: its correlation. */
  readonly values: Float64Array;
}

export interface TopMatches {
  /** For each X unit, its best Y units. */
  readonly xToY: MatchList;
  /** For each Y unit, its best X units. */
  readonly yToX: MatchList;
}

export interface TopMatchOptions {
  /** X units that get no matches and are never a match (default: none). Dead units belong here. */
  excludeX?: Uint8Array;
  excludeY?: Uint8Array;
}

/**
 * Keeps the k largest correlations per unit in both directions while correlation blocks stream past, so the
 * full matrix never has to exist. Ties keep the lower unit index. Ranking is by signed correlation: a unit
 * that is the negative of another is not its match.
 */
export class TopMatchAccumulator {
  private readonly xToY: SortedLists;
  private readonly yToX: SortedLists;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly k: number,
    private readonly options: TopMatchOptions = {},
  ) {
    if (!Number.isInteger(k) || k < 1) throw new MicroscopeError('INVALID_INPUT', `k must be a positive integer, got ${k}`);
    this.xToY = new SortedLists(rows, k);
    this.yToX = new SortedLists(cols, k);
  }

  add(block: CorrelationBlock): void {
    const { excludeX, excludeY } = this.options;
    for (let r = 0; r < block.rows; r++) {
      const xUnit = block.rowStart + r;
      if (excludeX?.[xUnit]) continue;
      for (let c = 0; c < block.cols; c++) {
        const yUnit = block.colStart + c;
        if (excludeY?.[yUnit]) continue;
        const value = block.values[r * block.cols + c];
        this.xToY.offer(xUnit, yUnit, value);
        this.yToX.offer(yUnit, xUnit, value);
      }
    }
  }

  result(): TopMatches {
    return { xToY: this.xToY.toMatchList(), yToX: this.yToX.toMatchList() };
  }
}

/** Top-k matches both ways from an assembled correlation matrix; dead units are left out on both sides. */
export function topMatches(correlation: CorrelationResult, k: number): TopMatches {
  if (!correlation.matrix) {
    throw new MicroscopeError(
      'INVALID_INPUT',
      'the correlation was streamed; feed its blocks to a TopMatchAccumulator instead',
    );
  }
  const accumulator = new TopMatchAccumulator(correlation.rows, correlation.cols, k, {
    excludeX: correlation.deadX,
    excludeY: correlation.deadY,
  });
  accumulator.add({
    rowStart: 0,
    colStart: 0,
    rows: correlation.rows,
    cols: correlation.cols,
    values: correlation.matrix.data instanceof Float64Array ? correlation.matrix.data : Float64Array.from(correlation.matrix.data),
  });
  return accumulator.result();
}

/** One descending list of at most k (index, value) pairs per owner, stored flat. */
class SortedLists {
  private readonly indices: Int32Array;
  private readonly values: Float64Array;
  private readonly counts: Int32Array;

  constructor(
    private readonly owners: number,
    private readonly k: number,
  ) {
    this.indices = new Int32Array(owners * k).fill(-1);
    this.values = new Float64Array(owners * k);
    this.counts = new Int32Array(owners);
  }

  offer(owner: number, index: number, value: number): void {
    const base = owner * this.k;
    const count = this.counts[owner];
    if (count === this.k && !ranksBefore(value, index, this.values[base + count - 1], this.indices[base + count - 1])) return;
    let slot = count === this.k ? count - 1 : count;
    while (slot > 0 && ranksBefore(value, index, this.values[base + slot - 1], this.indices[base + slot - 1])) {
      this.values[base + slot] = this.values[base + slot - 1];
      this.indices[base + slot] = this.indices[base + slot - 1];
      slot--;
    }
    this.values[base + slot] = value;
    this.indices[base + slot] = index;
    if (count < this.k) this.counts[owner] = count + 1;
  }

  toMatchList(): MatchList {
    return { units: this.owners, k: this.k, indices: this.indices.slice(), values: this.values.slice() };
  }
}

/** Higher correlation first; on ties the lower unit index, so results do not depend on block order. */
function ranksBefore(value: number, index: number, otherValue: number, otherIndex: number): boolean {
  return value > otherValue || (value === otherValue && index < otherIndex);
}
