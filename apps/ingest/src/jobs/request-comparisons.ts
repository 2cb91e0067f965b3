import { CompareJobParams, MicroscopeError, type Dataset, type JobView, type ModelVersion, type SimilarityMetric } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import { allPairs, chainPairs, coveringComparison, extractionStates, inStudyOrder } from './comparison-plan';
import type { JobService } from './job-service';

export interface ComparisonRequestDeps {
  catalog: Catalog;
  jobs: JobService;
}

export interface RequestedComparison {
  job: JobView;
  /** false when an existing job (queued, running or done) already covers the pair. */
  created: boolean;
}

export interface SkippedVersion {
  model: string;
  version: string;
  dataset: string;
  reason: string;
}

export interface ComparisonBatch {
  requested: RequestedComparison[];
  /** Versions left out because their activations on the dataset are not extracted, with what to run. */
  skipped: SkippedVersion[];
}

export interface BatchOptions {
  /** Only this dataset (default: every dataset of the study). */
  dataset?: string;
  metrics?: SimilarityMetric[];
  /** Request again even pairs that are already compared. */
  force?: boolean;
}

/**
 * Comparisons of every pair of versions of a study, on every dataset (or one), among the versions whose
 * activations are extracted there. Incremental: a pair that an earlier job covers (queued, running or done, in
 * either order) is not requested again, so asking after adding a version computes only the new pairs.
 */
export async function requestStudyComparisons(deps: ComparisonRequestDeps, studyName: string, options: BatchOptions = {}): Promise<ComparisonBatch> {
  return requestPerDataset(deps, studyName, options, async (versions) => allPairs(versions));
}

/**
 * The comparisons a model's chain of versions needs for trajectories and similarity-to-final curves: consecutive
 * versions and each with the last (among the versions extracted on the dataset). Incremental like the study's.
 */
export async function requestChainComparisons(deps: ComparisonRequestDeps, studyName: string, modelName: string, options: BatchOptions = {}): Promise<ComparisonBatch> {
  const study = await deps.catalog.getStudy(studyName);
  const model = await deps.catalog.getModel(study.id, modelName);
  return requestPerDataset(deps, studyName, options, async (versions) => chainPairs(versions.filter((v) => v.modelId === model.id)), model.id);
}

/** One comparison of two named versions; reuses a job that already covers it unless forced. */
export async function requestComparison(
  deps: ComparisonRequestDeps,
  studyId: string,
  params: CompareJobParams,
  force = false,
): Promise<RequestedComparison> {
  if (params.versionId === params.otherVersionId) throw new MicroscopeError('INVALID_INPUT', 'compare two different versions (A and B are the same)');
  if (!force) {
    const existing = coveringComparison(await deps.catalog.listJobs({ studyId }), params);
    if (existing) return { job: existing, created: false };
  }
  return deps.jobs.request(studyId, params, force);
}

async function requestPerDataset(
  deps: ComparisonRequestDeps,
  studyName: string,
  options: BatchOptions,
  pairsOf: (extracted: ModelVersion[]) => Promise<Array<[ModelVersion, ModelVersion]>>,
  onlyModelId?: string,
): Promise<ComparisonBatch> {
  const { catalog } = deps;
  const study = await catalog.getStudy(studyName);
  const datasets = await selectDatasets(catalog, study.id, study.name, options.dataset);
  const models = new Map((await catalog.listModels(study.id)).map((m) => [m.id, m.name]));
  const modelName = (id: string) => models.get(id) ?? id;
  const versions = inStudyOrder(await catalog.listStudyVersions(study.id), modelName);
  let jobs = await catalog.listJobs({ studyId: study.id });
  const result: ComparisonBatch = { requested: [], skipped: [] };
  for (const dataset of datasets) {
    const states = extractionStates(jobs, dataset.id);
    const extracted = versions.filter((v) => states.get(v.id) === 'succeeded');
    for (const v of versions) {
      if (states.get(v.id) === 'succeeded' || (onlyModelId && v.modelId !== onlyModelId)) continue;
      result.skipped.push(skipped(study.name, modelName(v.modelId), v.label, dataset, states.get(v.id) ?? 'none'));
    }
    for (const [a, b] of await pairsOf(extracted)) {
      const params = CompareJobParams.parse({ kind: 'compare', versionId: a.id, otherVersionId: b.id, datasetId: dataset.id, metrics: options.metrics });
      const existing = options.force ? undefined : coveringComparison(jobs, params);
      if (existing) {
        result.requested.push({ job: existing, created: false });
        continue;
      }
      const requested = await deps.jobs.request(study.id, params, options.force);
      result.requested.push(requested);
      jobs = [requested.job, ...jobs];
    }
  }
  return result;
}

async function selectDatasets(catalog: Catalog, studyId: string, studyName: string, name?: string): Promise<Dataset[]> {
  const datasets = await catalog.listDatasets(studyId);
  if (name) {
    const dataset = datasets.find((d) => d.name === name);
    if (!dataset) throw new MicroscopeError('NOT_FOUND', `no dataset named "${name}" in study "${studyName}"`);
    return [dataset];
  }
  if (!datasets.length) throw new MicroscopeError('INVALID_INPUT', `study "${studyName}" has no datasets: add one and extract activations first`);
  return datasets;
}

function skipped(study: string, model: string, label: string, dataset: Dataset, state: string): SkippedVersion {
  const command = `microscope run activations ${study} --model ${model} --version ${label} --dataset ${dataset.name}`;
  const reason =
    state === 'running'
      ? `its activation extraction on "${dataset.name}" is still running; ask again when it is done`
      : `${state === 'failed' ? 'its activation extraction failed' : 'no activations extracted'} on "${dataset.name}": run "${command}"`;
  return { model, version: label, dataset: dataset.name, reason };
}
