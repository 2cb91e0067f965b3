import { MicroscopeError } from '@microscope/contracts';
import { matrix, type Matrix } from '@microscope/engine';
import type { Warehouse } from '@microscope/storage';

export interface PooledLayerKey {
  versionId: string;
  datasetId: string;
  layer: string;
  units: number;
  /** Probe images of the dataset: the rows of the matrix. */
  images: number;
}

export interface ReadOptions {
  /** Largest number of activation values fetched by one query (default 1,000,000: ~10 MB of JSON). */
  maxValuesPerRead?: number;
}

const DEFAULT_MAX_VALUES_PER_READ = 1_000_000;

/**
 * A layer's mean-pooled activation matrix (probe images × units, float32 as stored) read from `unit_activations`,
 * a block of units per query so the transfer stays bounded whatever the layer's width. Each unit comes back as
 * one row holding its image indices and values (two groupArrays of one aggregation keep their pairing), which is
 * far fewer objects to parse than a row per value, and works on ClickHouse 18.16 as on chDB.
 */
export async function readPooledMatrix(warehouse: Warehouse, key: PooledLayerKey, options: ReadOptions = {}): Promise<Matrix> {
  const { units, images } = key;
  const maxValues = options.maxValuesPerRead ?? DEFAULT_MAX_VALUES_PER_READ;
  const unitsPerRead = Math.max(1, Math.floor(maxValues / Math.max(1, images)));
  const data = new Float32Array(images * units);
  for (let first = 0; first < units; first += unitsPerRead) {
    const last = Math.min(units, first + unitsPerRead) - 1;
    const rows = await warehouse.query<{ unit: number; images: unknown[]; values: unknown[] }>(
      `SELECT unit, groupArray(image_index) AS images, groupArray(mean) AS values
       FROM unit_activations FINAL
       WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String}
         AND unit >= {first:UInt32} AND unit <= {last:UInt32}
       GROUP BY unit ORDER BY unit`,
      { versionId: key.versionId, datasetId: key.datasetId, layer: key.layer, first, last },
    );
    if (rows.length !== last - first + 1) throw incomplete(key, `units ${first}–${last}: ${rows.length} of ${last - first + 1} stored`);
    for (const row of rows) {
      const unit = Number(row.unit);
      if (row.images.length !== images) throw incomplete(key, `unit ${unit}: ${row.images.length} of ${images} images stored`);
      const seen = new Uint8Array(images);
      for (let k = 0; k < images; k++) {
        const image = Number(row.images[k]);
        // FINAL makes (unit, image) unique, so n distinct indices below n are exactly the images 0..n−1.
        if (!(image >= 0 && image < images) || seen[image]) throw incomplete(key, `unit ${unit}: unexpected image index ${image}`);
        seen[image] = 1;
        data[image * units + unit] = Number(row.values[k]);
      }
    }
  }
  return matrix(images, units, data);
}

/** Stored activation values per layer of a version on a dataset (complete when = images × units). */
export async function storedActivationCounts(warehouse: Warehouse, versionId: string, datasetId: string): Promise<Map<string, number>> {
  const rows = await warehouse.query<{ layer: string; n: number }>(
    `SELECT layer, toUInt32(count()) AS n FROM unit_activations FINAL
     WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String}
     GROUP BY layer`,
    { versionId, datasetId },
  );
  return new Map(rows.map((r) => [String(r.layer), Number(r.n)]));
}

function incomplete(key: PooledLayerKey, detail: string): MicroscopeError {
  return new MicroscopeError(
    'UNAVAILABLE',
    `the stored activations of layer ${key.layer} (version ${key.versionId}) are incomplete: ${detail}; re-run its activation extraction`,
  );
}
