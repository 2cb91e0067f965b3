import { z } from 'zod';
import { Id } from './ids';

/** How a unit's spatial activation map becomes one number per image. */
export const Pooling = z.enum(['mean', 'max']);
export type Pooling = z.infer<typeof Pooling>;

export const Histogram = z.object({
  /** Bin edges, length bins + 1; the last bin includes its right edge. */
  edges: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
});
export type Histogram = z.infer<typeof Histogram>;

/** Statistics of one unit's pooled activation over a probe dataset. */
export const UnitStats = z.object({
  versionId: Id,
  datasetId: Id,
  layer: z.string(),
  unit: z.number().int().nonnegative(),
  pooling: Pooling,
  count: z.number().int().nonnegative(),
  mean: z.number(),
  std: z.number().nonnegative(),
  min: z.number(),
  max: z.number(),
  /** Fraction of images whose pooled activation is > 0. */
  fractionPositive: z.number().min(0).max(1),
  histogram: Histogram,
});
export type UnitStats = z.infer<typeof UnitStats>;

/** One of a unit's top-k dataset examples, ranked by spatial max. */
export const TopKEntry = z.object({
  rank: z.number().int().nonnegative(),
  imageIndex: z.number().int().nonnegative(),
  value: z.number(),
  /** Position of the maximum in the layer's output grid, and that grid's size. */
  argmaxY: z.number().int().nonnegative(),
  argmaxX: z.number().int().nonnegative(),
  gridHeight: z.number().int().positive(),
  gridWidth: z.number().int().positive(),
});
export type TopKEntry = z.infer<typeof TopKEntry>;

export const UnitTopK = z.object({
  versionId: Id,
  datasetId: Id,
  layer: z.string(),
  unit: z.number().int().nonnegative(),
  entries: z.array(TopKEntry),
});
export type UnitTopK = z.infer<typeof UnitTopK>;

/** A layer's summary across its units, for the model-version page. */
export const LayerSummary = z.object({
  versionId: Id,
  datasetId: Id,
  layer: z.string(),
  unitCount: z.number().int().nonnegative(),
  meanOfMeans: z.number(),
  meanFractionPositive: z.number(),
  /** Units that never exceed zero on the probe set. */
  deadUnits: z.number().int().nonnegative(),
});
export type LayerSummary = z.infer<typeof LayerSummary>;
