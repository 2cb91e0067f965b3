import type { CompareJobParams, JobView, ModelVersion } from '@microscope/contracts';

/**
 * Which comparisons a request needs, decided from the catalog alone (pure, so it is tested without storage):
 * pairs of versions, which versions have their activations extracted, and which pairs are already compared.
 */

/** Every unordered pair, each once, the earlier version of the list first. */
export function allPairs<T>(versions: readonly T[]): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  for (let i = 0; i < versions.length; i++) for (let j = i + 1; j < versions.length; j++) pairs.push([versions[i], versions[j]]);
  return pairs;
}

/**
 * The pairs a chain of versions (ordinal order) needs: consecutive versions, which trajectories follow, and every
 * version with the last one, which the similarity-to-final curves read.
 */
export function chainPairs<T>(chain: readonly T[]): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  for (let i = 0; i + 1 < chain.length; i++) pairs.push([chain[i], chain[i + 1]]);
  for (let i = 0; i + 2 < chain.length; i++) pairs.push([chain[i], chain[chain.length - 1]]);
  return pairs;
}

export type ExtractionState = 'succeeded' | 'running' | 'failed' | 'none';

/** The state of each version's full activation extraction on a dataset: the best of its jobs. */
export function extractionStates(jobs: readonly JobView[], datasetId: string): Map<string, ExtractionState> {
  const rank: Record<ExtractionState, number> = { none: 0, failed: 1, running: 2, succeeded: 3 };
  const states = new Map<string, ExtractionState>();
  for (const job of jobs) {
    const params = job.params;
    if (params.kind !== 'activations' || params.datasetId !== datasetId || params.layers.length) continue;
    const state: ExtractionState = job.status === 'succeeded' ? 'succeeded' : job.status === 'failed' ? 'failed' : 'running';
    if (rank[state] > rank[states.get(params.versionId) ?? 'none']) states.set(params.versionId, state);
  }
  return states;
}

/**
 * A comparison job, queued, running or done, that covers what `wanted` asks: the same two versions in either
 * order (the results are stored both ways), every layer, at least the metrics and the k asked for.
 */
export function coveringComparison(jobs: readonly JobView[], wanted: CompareJobParams): JobView | undefined {
  if (wanted.layers.length || wanted.otherLayers.length) return undefined;
  return jobs.find((job) => {
    const p = job.params;
    if (p.kind !== 'compare' || job.status === 'failed' || p.datasetId !== wanted.datasetId) return false;
    const samePair =
      (p.versionId === wanted.versionId && p.otherVersionId === wanted.otherVersionId) ||
      (p.versionId === wanted.otherVersionId && p.otherVersionId === wanted.versionId);
    return samePair && !p.layers.length && !p.otherLayers.length && p.topK >= wanted.topK && wanted.metrics.every((m) => p.metrics.includes(m));
  });
}

/** Versions in the order pairs are oriented: by model name, then along each model's chain. */
export function inStudyOrder(versions: readonly ModelVersion[], modelName: (modelId: string) => string): ModelVersion[] {
  return [...versions].sort(
    (a, b) => modelName(a.modelId).localeCompare(modelName(b.modelId)) || a.ordinal - b.ordinal || a.label.localeCompare(b.label),
  );
}
