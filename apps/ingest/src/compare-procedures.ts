import { CompareJobParams, MicroscopeError, SimilarityMetric, Slug } from '@microscope/contracts';
import { publicProcedure } from '@microscope/platform';
import { z } from 'zod';
import type { IngestDeps } from './router';
import { requestChainComparisons, requestComparison, requestStudyComparisons } from './jobs/request-comparisons';

const StudyRef = z.object({ study: Slug });
const Metrics = z.array(SimilarityMetric).min(1).optional();

/**
 * Requests of comparison jobs (run by analytics), merged into the `jobs` router: one pair of versions, every pair
 * of a study, or what a model's chain of checkpoints needs for trajectories. All are idempotent: work that is
 * queued, running or done is returned, not redone, unless `force` is set.
 */
export function compareJobProcedures(deps: Pick<IngestDeps, 'catalog' | 'jobs'>) {
  const { catalog } = deps;
  return {
    /** Version A (`model@version`) against version B (`otherModel@otherVersion`) on a dataset (default: the study's first). */
    requestCompare: publicProcedure
      .input(
        StudyRef.extend({
          model: Slug,
          version: Slug,
          otherModel: Slug,
          otherVersion: Slug,
          dataset: Slug.optional(),
          layers: z.array(z.string().min(1)).optional(),
          otherLayers: z.array(z.string().min(1)).optional(),
          metrics: Metrics,
          topK: z.number().int().positive().max(50).optional(),
          force: z.boolean().default(false),
        }),
      )
      .mutation(async ({ input }) => {
        const a = await catalog.resolveVersion(input.study, input.model, input.version);
        const b = await catalog.resolveVersion(input.study, input.otherModel, input.otherVersion);
        const datasets = await catalog.listDatasets(a.study.id);
        const dataset = input.dataset ? datasets.find((d) => d.name === input.dataset) : datasets[0];
        if (!dataset) {
          throw new MicroscopeError('NOT_FOUND', input.dataset ? `no dataset named "${input.dataset}" in study "${input.study}"` : `study "${input.study}" has no datasets: add one first`);
        }
        const params = CompareJobParams.parse({
          kind: 'compare',
          versionId: a.version.id,
          otherVersionId: b.version.id,
          datasetId: dataset.id,
          layers: input.layers,
          otherLayers: input.otherLayers,
          metrics: input.metrics,
          topK: input.topK,
        });
        return requestComparison(deps, a.study.id, params, input.force);
      }),

    /** Every pair of versions whose activations are extracted, on every dataset (or one); only new pairs are queued. */
    requestStudyComparisons: publicProcedure
      .input(StudyRef.extend({ dataset: Slug.optional(), metrics: Metrics, force: z.boolean().default(false) }))
      .mutation(({ input }) => requestStudyComparisons(deps, input.study, input)),

    /** Consecutive versions of a model and each with its last version: what trajectories and curves read. */
    requestChainComparisons: publicProcedure
      .input(StudyRef.extend({ model: Slug, dataset: Slug.optional(), metrics: Metrics, force: z.boolean().default(false) }))
      .mutation(({ input }) => requestChainComparisons(deps, input.study, input.model, input)),
  };
}
