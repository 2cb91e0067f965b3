import { MicroscopeError, Slug } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import { publicProcedure, router } from '@microscope/platform';
import type { Warehouse } from '@microscope/storage';
import { z } from 'zod';
import { checkUnit, layerSummaries, unitStats, unitTopK } from './queries/unit-queries';

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
  });
}

export type AnalyticsRouter = ReturnType<typeof createAnalyticsRouter>;
