import { summarizeUnit } from '@microscope/engine';
import type { Row, Warehouse } from '@microscope/storage';
import { toDateTimeText } from '@microscope/storage';

/** Units per warehouse read: bounds memory to chunk × images rows whatever the layer's width. */
const UNITS_PER_CHUNK = 64;
const HISTOGRAM_BINS = 32;

interface LayerJob {
  jobId: string;
  versionId: string;
  datasetId: string;
  layer: string;
  units: number;
  imageCount: number;
  topK: number;
  grid: { height: number; width: number };
}

/**
 * Reads a layer's pooled activation matrix from the warehouse a chunk of units at a time and stores each unit's
 * statistics (for mean and max pooling) and its top-k images by spatial max.
 */
export async function computeLayerStatistics(warehouse: Warehouse, job: LayerJob): Promise<void> {
  const computedAt = toDateTimeText(new Date());
  for (let first = 0; first < job.units; first += UNITS_PER_CHUNK) {
    const last = Math.min(job.units, first + UNITS_PER_CHUNK) - 1;
    const rows = await warehouse.query<{ unit: number; image_index: number; mean: number; max: number; argmax_y: number; argmax_x: number }>(
      `SELECT unit, image_index, mean, max, argmax_y, argmax_x FROM unit_activations FINAL
       WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String}
         AND unit >= {first:UInt32} AND unit <= {last:UInt32}
       ORDER BY unit, image_index`,
      { versionId: job.versionId, datasetId: job.datasetId, layer: job.layer, first, last },
    );
    const statsRows: Row[] = [];
    const topkRows: Row[] = [];
    for (let u = first, offset = 0; u <= last; u++, offset += job.imageCount) {
      const unitRows = rows.slice(offset, offset + job.imageCount);
      if (unitRows.some((r, i) => Number(r.image_index) !== i || Number(r.unit) !== u)) {
        throw new Error(`layer ${job.layer} unit ${u}: activation rows are not images 0..${job.imageCount - 1}`);
      }
      const summary = summarizeUnit(
        {
          versionId: job.versionId,
          datasetId: job.datasetId,
          layer: job.layer,
          unit: u,
          mean: Float64Array.from(unitRows, (r) => Number(r.mean)),
          max: Float64Array.from(unitRows, (r) => Number(r.max)),
          argmaxY: unitRows.map((r) => Number(r.argmax_y)),
          argmaxX: unitRows.map((r) => Number(r.argmax_x)),
          gridHeight: job.grid.height,
          gridWidth: job.grid.width,
        },
        { bins: HISTOGRAM_BINS, k: job.topK },
      );
      const key = { version_id: job.versionId, dataset_id: job.datasetId, layer: job.layer, unit: u };
      for (const s of [summary.stats.mean, summary.stats.max]) {
        statsRows.push({
          ...key,
          pooling: s.pooling,
          count: s.count,
          mean: s.mean,
          std: s.std,
          min: s.min,
          max: s.max,
          fraction_positive: s.fractionPositive,
          histogram_edges: s.histogram.edges,
          histogram_counts: s.histogram.counts,
          job_id: job.jobId,
          computed_at: computedAt,
        });
      }
      summary.topK.entries.forEach((entry) =>
        topkRows.push({
          ...key,
          rank: entry.rank,
          image_index: entry.imageIndex,
          value: entry.value,
          argmax_y: entry.argmaxY,
          argmax_x: entry.argmaxX,
          grid_h: entry.gridHeight,
          grid_w: entry.gridWidth,
          job_id: job.jobId,
          computed_at: computedAt,
        }),
      );
    }
    await warehouse.insert('unit_stats', statsRows);
    await warehouse.insert('unit_topk', topkRows);
  }
}
