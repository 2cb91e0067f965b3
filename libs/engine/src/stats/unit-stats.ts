/**
 * Summary statistics of one unit's pooled activations over a probe dataset: count, mean, population standard
 * deviation, min, max, fraction of positive values and a histogram.
 *
 * Moments use Welford's one-pass update (no catastrophic cancellation when values sit on a large offset) and
 * Chan et al.'s pairwise combination, so batches summarised separately merge into the statistics of the whole.
 * All arithmetic is float64 whatever the input array type.
 */
import { MicroscopeError } from '@microscope/contracts';

export type Values = Float32Array | Float64Array | ArrayLike<number>;

export interface HistogramResult {
  /** bins + 1 ascending edges; bin i is [edges[i], edges[i+1]), the last bin is closed. */
  edges: number[];
  counts: number[];
}

export interface ValueSummary {
  count: number;
  mean: number;
  /** Population standard deviation (divides by count). */
  std: number;
  min: number;
  max: number;
  /** Fraction of values > 0. */
  fractionPositive: number;
  histogram: HistogramResult;
}

function requireFinite(value: number, index: number): void {
  if (!Number.isFinite(value)) {
    throw new MicroscopeError('INVALID_INPUT', `activation ${index} is ${value}; statistics need finite values (check the model for overflow or NaN)`);
  }
}

/** Streaming count / mean / M2 / min / max / positives. Add values one at a time or merge whole accumulators. */
export class MomentAccumulator {
  count = 0;
  mean = 0;
  /** Sum of squared deviations from the running mean. */
  m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  positives = 0;

  add(value: number): this {
    requireFinite(value, this.count);
    this.count++;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value > 0) this.positives++;
    return this;
  }

  addAll(values: Values): this {
    for (let i = 0; i < values.length; i++) this.add(values[i]);
    return this;
  }

  /** Chan et al. (1979): combine two partial results as if every value had been added to one. */
  merge(other: MomentAccumulator): this {
    if (other.count === 0) return this;
    if (this.count === 0) {
      Object.assign(this, { count: other.count, mean: other.mean, m2: other.m2, min: other.min, max: other.max, positives: other.positives });
      return this;
    }
    const count = this.count + other.count;
    const delta = other.mean - this.mean;
    this.mean += (delta * other.count) / count;
    this.m2 += other.m2 + (delta * delta * this.count * other.count) / count;
    this.count = count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.positives += other.positives;
    return this;
  }

  /** Population variance; 0 for fewer than two values. Clamped at 0 against rounding. */
  get variance(): number {
    return this.count < 2 ? 0 : Math.max(0, this.m2 / this.count);
  }

  get std(): number {
    return Math.sqrt(this.variance);
  }
}

function requireBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) throw new MicroscopeError('INVALID_INPUT', `histogram bins must be a positive integer, got ${bins}`);
}

/**
 * Equal-width histogram over [min, max] (values outside are not counted). Bin membership is decided against the
 * returned edges themselves, so a value equal to an edge always lands in the bin that edge opens.
 * When min === max there is one bin, [min, max], holding every value equal to it.
 */
export function histogram(values: Values, bins: number, min: number, max: number): HistogramResult {
  requireBins(bins);
  if (!(min <= max)) throw new MicroscopeError('INVALID_INPUT', `histogram range [${min}, ${max}] is empty`);
  if (min === max) {
    let count = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === min) count++;
    return { edges: [min, max], counts: [count] };
  }
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : Math.min(max, min + i * width)));
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= min && v <= max)) continue;
    let bin = Math.min(bins - 1, Math.floor((v - min) / width));
    // The division can round across an edge; settle against the edges.
    while (bin > 0 && v < edges[bin]) bin--;
    while (bin < bins - 1 && v >= edges[bin + 1]) bin++;
    counts[bin]++;
  }
  return { edges, counts };
}

/**
 * Summarises values: moments in one Welford pass, then the histogram over [min, max] in a second.
 * An empty input has no mean or range, so it is an error (INVALID_INPUT) rather than a result full of NaN.
 */
export function summarize(values: Values, options: { bins: number }): ValueSummary {
  requireBins(options.bins);
  if (values.length === 0) throw new MicroscopeError('INVALID_INPUT', 'cannot summarize zero values: the probe dataset has no images');
  const moments = new MomentAccumulator().addAll(values);
  return {
    count: moments.count,
    mean: moments.mean,
    std: moments.std,
    min: moments.min,
    max: moments.max,
    fractionPositive: moments.positives / moments.count,
    histogram: histogram(values, options.bins, moments.min, moments.max),
  };
}
