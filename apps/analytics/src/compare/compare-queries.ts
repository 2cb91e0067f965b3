import type { SimilarityMetric } from '@microscope/contracts';
import type { Warehouse } from '@microscope/storage';
import { fromDateTimeText } from '@microscope/storage';
import { MatchMethod } from './comparison-rows';
import type { BestMatch } from './trajectory';

/** Reads of stored comparison results (written by the compare runner). */

export interface SimilarityEntry {
  layerA: string;
  layerB: string;
  metric: SimilarityMetric;
  value: number;
  jobId: string;
  computedAt: string;
}

/** Every stored layer-similarity value of A (rows) against B (columns) on a dataset. */
export async function storedLayerSimilarity(
  warehouse: Warehouse,
  key: { datasetId: string; versionA: string; versionB: string; metrics: readonly SimilarityMetric[] },
): Promise<SimilarityEntry[]> {
  const rows = await warehouse.query(
    `SELECT layer_a, layer_b, method, value, job_id, computed_at FROM layer_similarity FINAL
     WHERE dataset_id = {datasetId:String} AND version_a = {versionA:String} AND version_b = {versionB:String}
       AND has({metrics:Array(String)}, method)`,
    { datasetId: key.datasetId, versionA: key.versionA, versionB: key.versionB, metrics: [...key.metrics] },
  );
  return rows.map((r) => ({
    layerA: String(r.layer_a),
    layerB: String(r.layer_b),
    metric: String(r.method) as SimilarityMetric,
    value: Number(r.value),
    jobId: String(r.job_id),
    computedAt: fromDateTimeText(String(r.computed_at)),
  }));
}

export interface BestMatchSummary {
  layer: string;
  /** Units of the layer that have a match (dead units have none). */
  units: number;
  /** Units whose best match, over every compared layer of B, correlates above the threshold. */
  above: number;
  meanBest: number;
  /** The same, over the same-named layer of B only; null when B has no layer of that name. */
  sameLayer: { units: number; above: number; meanBest: number } | null;
}

/** Per layer of A: how many units have a best match in B above a correlation threshold (Li et al.'s question). */
export async function bestMatchSummary(
  warehouse: Warehouse,
  key: { datasetId: string; versionA: string; versionB: string; threshold: number },
): Promise<BestMatchSummary[]> {
  const rows = await warehouse.query(
    `SELECT layer, toUInt32(count()) AS units, toUInt32(countIf(best > {threshold:Float64})) AS above, avg(best) AS mean_best,
            toUInt32(countIf(has_same > 0)) AS same_units, toUInt32(countIf(has_same > 0 AND best_same > {threshold:Float64})) AS same_above,
            sumIf(best_same, has_same > 0) AS same_sum
     FROM (
       SELECT layer, unit, max(score) AS best, maxIf(score, other_layer = layer) AS best_same, countIf(other_layer = layer) AS has_same
       FROM unit_matches FINAL
       WHERE version_id = {versionA:String} AND dataset_id = {datasetId:String} AND other_version_id = {versionB:String}
         AND method = {method:String} AND rank = 0
       GROUP BY layer, unit
     )
     GROUP BY layer`,
    { ...key, method: MatchMethod.topK },
  );
  return rows.map((r) => {
    const sameUnits = Number(r.same_units);
    return {
      layer: String(r.layer),
      units: Number(r.units),
      above: Number(r.above),
      meanBest: Number(r.mean_best),
      sameLayer: sameUnits ? { units: sameUnits, above: Number(r.same_above), meanBest: Number(r.same_sum) / sameUnits } : null,
    };
  });
}

export interface StoredMatch {
  otherVersionId: string;
  otherLayer: string;
  method: string;
  rank: number;
  otherUnit: number;
  correlation: number;
}

/** A unit's stored matches in other versions (optionally only some of them), best first per other layer. */
export async function storedUnitMatches(
  warehouse: Warehouse,
  key: { datasetId: string; versionId: string; layer: string; unit: number; otherVersionIds: readonly string[] },
): Promise<StoredMatch[]> {
  const rows = await warehouse.query(
    `SELECT other_version_id, other_layer, method, rank, other_unit, score FROM unit_matches FINAL
     WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String} AND unit = {unit:UInt32}
       AND (empty({others:Array(String)}) OR has({others:Array(String)}, other_version_id))
     ORDER BY other_version_id, other_layer, method, rank`,
    { datasetId: key.datasetId, versionId: key.versionId, layer: key.layer, unit: key.unit, others: [...key.otherVersionIds] },
  );
  return rows.map((r) => ({
    otherVersionId: String(r.other_version_id),
    otherLayer: String(r.other_layer),
    method: String(r.method),
    rank: Number(r.rank),
    otherUnit: Number(r.other_unit),
    correlation: Number(r.score),
  }));
}

/**
 * Every unit's best match within one layer between the versions of a chain (rank-0 top-k rows whose layer and
 * other layer are both `layer`), as a lookup from (version, other version, unit).
 */
export async function chainBestMatches(
  warehouse: Warehouse,
  key: { datasetId: string; layer: string; versionIds: readonly string[] },
): Promise<(from: string, to: string, unit: number) => BestMatch | 'unmatched' | null> {
  const rows = await warehouse.query(
    `SELECT version_id, other_version_id, unit, other_unit, score FROM unit_matches FINAL
     WHERE dataset_id = {datasetId:String} AND layer = {layer:String} AND other_layer = {layer:String}
       AND method = {method:String} AND rank = 0
       AND has({versions:Array(String)}, version_id) AND has({versions:Array(String)}, other_version_id)`,
    { datasetId: key.datasetId, layer: key.layer, versions: [...key.versionIds], method: MatchMethod.topK },
  );
  const matches = new Map<string, BestMatch>();
  const compared = new Set<string>();
  for (const r of rows) {
    const pair = `${r.version_id}>${r.other_version_id}`;
    compared.add(pair);
    matches.set(`${pair}#${r.unit}`, { unit: Number(r.other_unit), correlation: Number(r.score) });
  }
  // A compared pair without a row for the unit: the unit has no match there (it is constant on the probe set).
  return (from, to, unit) => matches.get(`${from}>${to}#${unit}`) ?? (compared.has(`${from}>${to}`) ? 'unmatched' : null);
}

/** Layer similarity of each version's layer with the same layer of a reference version (the last of a chain). */
export async function similarityToReference(
  warehouse: Warehouse,
  key: { datasetId: string; metric: SimilarityMetric; referenceId: string; versionIds: readonly string[] },
): Promise<Array<{ versionId: string; layer: string; value: number }>> {
  const rows = await warehouse.query(
    `SELECT version_a, layer_a, value FROM layer_similarity FINAL
     WHERE dataset_id = {datasetId:String} AND method = {metric:String} AND version_b = {referenceId:String}
       AND layer_a = layer_b AND has({versions:Array(String)}, version_a)`,
    { datasetId: key.datasetId, metric: key.metric, referenceId: key.referenceId, versions: [...key.versionIds] },
  );
  return rows.map((r) => ({ versionId: String(r.version_a), layer: String(r.layer_a), value: Number(r.value) }));
}

/** Versions (of those given) with activations stored on the dataset (of `layer`, or of any layer). */
export async function versionsWithActivations(
  warehouse: Warehouse,
  key: { datasetId: string; layer?: string; versionIds: readonly string[] },
): Promise<Set<string>> {
  const rows = await warehouse.query(
    `SELECT DISTINCT version_id FROM unit_activations
     WHERE dataset_id = {datasetId:String} AND ({layer:String} = '' OR layer = {layer:String}) AND has({versions:Array(String)}, version_id)`,
    { datasetId: key.datasetId, layer: key.layer ?? '', versions: [...key.versionIds] },
  );
  return new Set(rows.map((r) => String(r.version_id)));
}
