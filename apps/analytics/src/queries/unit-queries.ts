import { MicroscopeError, type LayerSummary, type Pooling, type TopKEntry, type UnitStats } from '@microscope/contracts';
import type { Warehouse } from '@microscope/storage';

export interface UnitKey {
  versionId: string;
  datasetId: string;
  layer: string;
  unit: number;
}

/** A unit's statistics for both poolings; empty until its extraction has completed. */
export async function unitStats(warehouse: Warehouse, key: UnitKey): Promise<UnitStats[]> {
  const rows = await warehouse.query(
    `SELECT toString(pooling) AS pooling, count, mean, std, min, max, fraction_positive, histogram_edges, histogram_counts
     FROM unit_stats FINAL
     WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String} AND unit = {unit:UInt32}
     ORDER BY pooling`,
    { ...key },
  );
  return rows.map((r) => ({
    ...key,
    pooling: r.pooling as Pooling,
    count: Number(r.count),
    mean: Number(r.mean),
    std: Number(r.std),
    min: Number(r.min),
    max: Number(r.max),
    fractionPositive: Number(r.fraction_positive),
    histogram: { edges: (r.histogram_edges as unknown[]).map(Number), counts: (r.histogram_counts as unknown[]).map(Number) },
  }));
}

export async function unitTopK(warehouse: Warehouse, key: UnitKey): Promise<TopKEntry[]> {
  const rows = await warehouse.query(
    `SELECT rank, image_index, value, argmax_y, argmax_x, grid_h, grid_w FROM unit_topk FINAL
     WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String} AND unit = {unit:UInt32}
     ORDER BY rank`,
    { ...key },
  );
  return rows.map((r) => ({
    rank: Number(r.rank),
    imageIndex: Number(r.image_index),
    value: Number(r.value),
    argmaxY: Number(r.argmax_y),
    argmaxX: Number(r.argmax_x),
    gridHeight: Number(r.grid_h),
    gridWidth: Number(r.grid_w),
  }));
}

/** Per-layer summaries of a version over a dataset, from the mean-pooled statistics. */
export async function layerSummaries(warehouse: Warehouse, versionId: string, datasetId: string): Promise<LayerSummary[]> {
  const rows = await warehouse.query(
    `SELECT layer, toUInt32(count()) AS units, avg(mean) AS mean_of_means, avg(fraction_positive) AS mean_fraction_positive,
            toUInt32(countIf(max <= 0)) AS dead_units
     FROM unit_stats FINAL
     WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND pooling = 'max'
     GROUP BY layer ORDER BY layer`,
    { versionId, datasetId },
  );
  return rows.map((r) => ({
    versionId,
    datasetId,
    layer: String(r.layer),
    unitCount: Number(r.units),
    meanOfMeans: Number(r.mean_of_means),
    meanFractionPositive: Number(r.mean_fraction_positive),
    deadUnits: Number(r.dead_units),
  }));
}

/** Checks a unit index against the layer's width, so a typo gets a clear error rather than empty results. */
export function checkUnit(layer: { name: string; unitCount: number } | undefined, layerName: string, unit: number): void {
  if (!layer) throw new MicroscopeError('NOT_FOUND', `no layer named "${layerName}" in this model version`);
  if (unit >= layer.unitCount) throw new MicroscopeError('NOT_FOUND', `layer "${layerName}" has units 0–${layer.unitCount - 1}; there is no unit ${unit}`);
}
