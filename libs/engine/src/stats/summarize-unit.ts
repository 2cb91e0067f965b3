/**
 * One unit's activations over a probe dataset → the contract rows the analytics service stores:
 * a UnitStats per pooling (mean and max) and the unit's top-k dataset examples ranked by spatial max.
 */
import { MicroscopeError, type TopKEntry, type UnitStats, type UnitTopK } from '@microscope/contracts';
import { TopK } from './top-k';
import { summarize, type Values } from './unit-stats';

export interface UnitActivations {
  versionId: string;
  datasetId: string;
  layer: string;
  unit: number;
  /** Per image (index = position in the probe dataset): spatial mean and max of the unit's activation map. */
  mean: Values;
  max: Values;
  /** Per image: row and column of the spatial maximum in the layer's output grid. */
  argmaxY: ArrayLike<number>;
  argmaxX: ArrayLike<number>;
  gridHeight: number;
  gridWidth: number;
}

export interface UnitSummaryOptions {
  bins: number;
  k: number;
}

export interface UnitSummary {
  stats: { mean: UnitStats; max: UnitStats };
  topK: UnitTopK;
}

function checkShapes(a: UnitActivations): void {
  const n = a.mean.length;
  const lengths = { max: a.max.length, argmaxY: a.argmaxY.length, argmaxX: a.argmaxX.length };
  for (const [name, length] of Object.entries(lengths)) {
    if (length !== n) throw new MicroscopeError('INVALID_INPUT', `${a.layer}:${a.unit}: ${name} has ${length} images but mean has ${n}`);
  }
  if (!Number.isInteger(a.gridHeight) || a.gridHeight < 1 || !Number.isInteger(a.gridWidth) || a.gridWidth < 1) {
    throw new MicroscopeError('INVALID_INPUT', `${a.layer}:${a.unit}: grid ${a.gridHeight}×${a.gridWidth} is not a positive integer size`);
  }
  for (let i = 0; i < n; i++) {
    const y = a.argmaxY[i];
    const x = a.argmaxX[i];
    if (!Number.isInteger(y) || y < 0 || y >= a.gridHeight || !Number.isInteger(x) || x < 0 || x >= a.gridWidth) {
      throw new MicroscopeError('INVALID_INPUT', `${a.layer}:${a.unit}: argmax (${y}, ${x}) of image ${i} is outside the ${a.gridHeight}×${a.gridWidth} grid`);
    }
  }
}

/** Ranks images by spatial max; ties go to the lower image index. */
export function unitTopKEntries(a: UnitActivations, k: number): TopKEntry[] {
  checkShapes(a);
  const top = new TopK<number>(k);
  for (let i = 0; i < a.max.length; i++) top.push(a.max[i], i, i);
  return top.sorted().map(({ value, index }, rank) => ({
    rank,
    imageIndex: index,
    value,
    argmaxY: a.argmaxY[index],
    argmaxX: a.argmaxX[index],
    gridHeight: a.gridHeight,
    gridWidth: a.gridWidth,
  }));
}

export function summarizeUnit(a: UnitActivations, options: UnitSummaryOptions): UnitSummary {
  checkShapes(a);
  const ids = { versionId: a.versionId, datasetId: a.datasetId, layer: a.layer, unit: a.unit };
  return {
    stats: {
      mean: { ...ids, pooling: 'mean', ...summarize(a.mean, options) },
      max: { ...ids, pooling: 'max', ...summarize(a.max, options) },
    },
    topK: { ...ids, entries: unitTopKEntries(a, options.k) },
  };
}
