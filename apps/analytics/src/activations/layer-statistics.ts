import { summarizeUnit } from '@microscope/engine';
import type { Row, Warehouse } from '@microscope/storage';
import { toDateTimeText } from '@microscope/storage';

/**
 * Activation cells (unit × image) per warehouse read: bounds memory and, since this runs on the API's thread in the
 * single-process product, the JSON parsed at once (~15 ms here) whatever the layer's width and the dataset's size.
 */
const CELLS_PER_CHUNK = 32_768;
/** Longest synchronous stretch of summarising before the event loop gets a turn. */
const YIELD_AFTER_MS = 20;
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

/** One unit's stored activations: [image index, mean, max, argmax y, argmax x] per image, in no particular order. */
type Cell = [number, number, number, number, number];

/**
 * Reads a layer's pooled activation matrix from the warehouse a chunk of units at a time and stores each unit's
 * statistics (for mean and max pooling) and its top-k images by spatial max. Each unit arrives as one row holding
 * an array of its images' values: a row per unit × image was twice the JSON and an object per cell to parse.
 */
export async function computeLayerStatistics(warehouse: Warehouse, job: LayerJob, options: { cellsPerChunk?: number } = {}): Promise<void> {
  const computedAt = toDateTimeText(new Date());
  const unitsPerChunk = Math.max(1, Math.floor((options.cellsPerChunk ?? CELLS_PER_CHUNK) / Math.max(1, job.imageCount)));
  for (let first = 0; first < job.units; first += unitsPerChunk) {
    const last = Math.min(job.units, first + unitsPerChunk) - 1;
    const rows = await warehouse.query<{ unit: number; cells: Cell[] }>(
      `SELECT unit, groupArray((image_index, mean, max, argmax_y, argmax_x)) AS cells FROM unit_activations FINAL
       WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String}
         AND unit >= {first:UInt32} AND unit <= {last:UInt32}
       GROUP BY unit ORDER BY unit`,
      { versionId: job.versionId, datasetId: job.datasetId, layer: job.layer, first, last },
    );
    const byUnit = new Map(rows.map((r) => [Number(r.unit), r.cells]));
    const statsRows: Row[] = [];
    const topkRows: Row[] = [];
    for (let u = first, slice = performance.now(); u <= last; u++) {
      // A wide layer over few images is hundreds of units per read: let the API's requests in between.
      if (performance.now() - slice > YIELD_AFTER_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
      const columns = imageColumns(byUnit.get(u) ?? [], job.imageCount);
      if (!columns) throw new Error(`layer ${job.layer} unit ${u}: activation rows are not images 0..${job.imageCount - 1}`);
      const summary = summarizeUnit(
        {
          versionId: job.versionId,
          datasetId: job.datasetId,
          layer: job.layer,
          unit: u,
          ...columns,
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

/** A unit's cells as columns indexed by image, or null unless they are exactly images 0..images-1, once each. */
function imageColumns(cells: Cell[], images: number) {
  if (cells.length !== images) return null;
  const mean = new Float64Array(images);
  const max = new Float64Array(images);
  const argmaxY = new Array<number>(images);
  const argmaxX = new Array<number>(images);
  const seen = new Uint8Array(images);
  for (const [index, m, x, y, xx] of cells) {
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= images || seen[i]) return null;
    seen[i] = 1;
    mean[i] = Number(m);
    max[i] = Number(x);
    argmaxY[i] = Number(y);
    argmaxX[i] = Number(xx);
  }
  return { mean, max, argmaxY, argmaxX };
}
