import { MicroscopeError, parseTuningFixedParams, Slug } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import { publicProcedure, router } from '@microscope/platform';
import type { Warehouse } from '@microscope/storage';
import { z } from 'zod';
import { checkUnit, layerSummaries, unitStats, unitTopK } from './queries/unit-queries';
import { createCompareRouter } from './compare/compare-router';

const VersionRef = z.object({ study: Slug, model: Slug, version: Slug, dataset: Slug.optional() });

export function createAnalyticsRouter(deps: { warehouse: Warehouse; catalog: Catalog }) {
  const { catalog, warehouse } = deps;

  /** Names → ids; the dataset defaults to the study's only (or first) one. */
  async function resolve(input: z.infer<typeof VersionRef>) {
    const { study, model, version } = await catalog.resolveVersion(input.study, input.model, input.version);
    const datasets = await catalog.listDatasets(study.id);
    const dataset = input.dataset ? datasets.find((d) => d.name === input.dataset) : datasets[0];
    if (!dataset) {
      throw new MicroscopeError('NOT_FOUND', input.dataset ? `no dataset named "${input.dataset}" in study "${study.name}"` : `study "${study.name}" has no datasets`);
    }
    return { study, model, version, dataset };
  }

  return router({
    compare: createCompareRouter(deps),
    units: router({
      /** A unit's page: statistics for both poolings and its top-k dataset examples with argmax locations. */
      get: publicProcedure
        .input(VersionRef.extend({ layer: z.string().min(1), unit: z.number().int().nonnegative() }))
        .query(async ({ input }) => {
          const { model, version, dataset } = await resolve(input);
          const layers = await catalog.listLayers(version.id);
          const layer = layers.find((l) => l.name === input.layer);
          checkUnit(layer, input.layer, input.unit);
          const key = { versionId: version.id, datasetId: dataset.id, layer: input.layer, unit: input.unit };
          const [stats, topK] = await Promise.all([unitStats(warehouse, key), unitTopK(warehouse, key)]);
          const images = new Map((await catalog.listImagesByIndex(dataset.id, topK.map((t) => t.imageIndex))).map((im) => [im.index, im]));
          return {
            model: model.name,
            version: version.label,
            dataset: dataset.name,
            layer: layer!,
            unit: input.unit,
            stats,
            topK: topK.map((t) => ({ ...t, imageKey: images.get(t.imageIndex)?.key ?? '', label: images.get(t.imageIndex)?.label ?? '' })),
          };
        }),
    }),
    layers: router({
      summary: publicProcedure.input(VersionRef).query(async ({ input }) => {
        const { version, dataset } = await resolve(input);
        return { dataset: dataset.name, layers: await layerSummaries(warehouse, version.id, dataset.id) };
      }),
    }),

    // ---- Added for the dashboard (apps/web): the layer grid needs every unit's statistics in one call.
    unitStats: router({
      /**
       * Both poolings' statistics of every unit of a layer, each with its histogram folded to 16 bins for a
       * sparkline. Units whose extraction has not run are absent; a study without datasets answers dataset null.
       */
      byLayer: publicProcedure.input(VersionRef.extend({ layer: z.string().min(1) })).query(async ({ input }) => {
        const { version } = await catalog.resolveVersion(input.study, input.model, input.version);
        const layer = (await catalog.listLayers(version.id)).find((l) => l.name === input.layer);
        if (!layer) throw new MicroscopeError('NOT_FOUND', `no layer named "${input.layer}" in this model version`);
        const datasets = await catalog.listDatasets(version.studyId);
        const dataset = input.dataset ? datasets.find((d) => d.name === input.dataset) : datasets[0];
        if (input.dataset && !dataset) throw new MicroscopeError('NOT_FOUND', `no dataset named "${input.dataset}" in study "${input.study}"`);
        if (!dataset) return { dataset: null, layer, units: [] };
        const rows = await warehouse.query(
          `SELECT unit, toString(pooling) AS pooling, mean, std, min, max, fraction_positive, histogram_counts
           FROM unit_stats FINAL
           WHERE version_id = {versionId:String} AND dataset_id = {datasetId:String} AND layer = {layer:String}
           ORDER BY unit, pooling`,
          { versionId: version.id, datasetId: dataset.id, layer: layer.name },
        );
        type Summary = { mean: number; std: number; min: number; max: number; fractionPositive: number; sparkline: number[] };
        const units = new Map<number, { unit: number; max: Summary | null; mean: Summary | null }>();
        for (const r of rows) {
          const unit = Number(r.unit);
          const entry = units.get(unit) ?? { unit, max: null, mean: null };
          const summary: Summary = {
            mean: Number(r.mean),
            std: Number(r.std),
            min: Number(r.min),
            max: Number(r.max),
            fractionPositive: Number(r.fraction_positive),
            sparkline: foldBins((r.histogram_counts as unknown[]).map(Number), 16),
          };
          if (r.pooling === 'max') entry.max = summary;
          else if (r.pooling === 'mean') entry.mean = summary;
          units.set(unit, entry);
        }
        return { dataset: dataset.name, layer, units: [...units.values()] };
      }),
    }),

    // ---- Tuning curves (issue 3), written by render's tuning jobs into `tuning_curves`.
    tuning: router({
      /**
       * A unit's tuning curves: per stimulus family, its responses along the swept parameter at each setting of
       * the family's other parameters (`fixed`, read back from the row's canonical `params_hash`), and the peak.
       */
      forUnit: publicProcedure
        .input(VersionRef.omit({ dataset: true }).extend({ layer: z.string().min(1), unit: z.number().int().nonnegative() }))
        .query(async ({ input }) => {
          const { version } = await catalog.resolveVersion(input.study, input.model, input.version);
          const layer = (await catalog.listLayers(version.id)).find((l) => l.name === input.layer);
          checkUnit(layer, input.layer, input.unit);
          const rows = await warehouse.query(
            `SELECT stimulus, parameter, params_hash, xs, responses
             FROM tuning_curves FINAL
             WHERE version_id = {versionId:String} AND layer = {layer:String} AND unit = {unit:UInt32}
             ORDER BY stimulus, parameter, params_hash`,
            { versionId: version.id, layer: input.layer, unit: input.unit },
          );
          const curves = rows.map((r) => {
            const xs = (r.xs as unknown[]).map(Number);
            const responses = (r.responses as unknown[]).map(Number);
            const best = responses.reduce((b, v, i) => (v > responses[b] ? i : b), 0);
            return {
              stimulus: String(r.stimulus),
              parameter: String(r.parameter),
              fixed: parseTuningFixedParams(String(r.params_hash)),
              xs,
              responses,
              peak: responses.length ? { x: xs[best], response: responses[best] } : null,
            };
          });
          return { layer: input.layer, unit: input.unit, curves };
        }),
    }),
  });
}

/** Sums adjacent histogram bins down to at most `bins` (a sparkline needs the shape, not the resolution). */
function foldBins(counts: number[], bins: number): number[] {
  if (counts.length <= bins) return counts;
  const out = new Array<number>(bins).fill(0);
  counts.forEach((c, i) => (out[Math.floor((i * bins) / counts.length)] += c));
  return out;
}

export type AnalyticsRouter = ReturnType<typeof createAnalyticsRouter>;
