/** Reading a study's jobs for its tables: which job describes a version × dataset now, and is anything moving. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobLike {
  id: string;
  kind: string;
  status: JobStatus;
  progress: number;
  message: string;
  createdAt: string;
  updatedAt: string;
  params: { kind: string; versionId?: string; datasetId?: string };
}

export const isActive = (status: JobStatus) => status === 'queued' || status === 'running';

export function hasActiveJobs(jobs: readonly JobLike[]): boolean {
  return jobs.some((j) => isActive(j.status));
}

const cellKey = (versionId: string, datasetId: string) => `${versionId}/${datasetId}`;

/**
 * The newest job of a kind for each version × dataset (a forced rerun supersedes the earlier run), keyed by
 * `${versionId}/${datasetId}`.
 */
export function latestJobByCell<J extends JobLike>(jobs: readonly J[], kind: string): Map<string, J> {
  const latest = new Map<string, J>();
  for (const job of jobs) {
    if (job.kind !== kind || !job.params.versionId || !job.params.datasetId) continue;
    const key = cellKey(job.params.versionId, job.params.datasetId);
    const seen = latest.get(key);
    if (!seen || job.createdAt > seen.createdAt || (job.createdAt === seen.createdAt && job.updatedAt > seen.updatedAt)) latest.set(key, job);
  }
  return latest;
}

export function jobFor<J extends JobLike>(latest: Map<string, J>, versionId: string, datasetId: string): J | undefined {
  return latest.get(cellKey(versionId, datasetId));
}

/** Counts by status, for a study's one-line summary. */
export function statusCounts(jobs: readonly JobLike[]): Record<JobStatus, number> {
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
  for (const job of jobs) counts[job.status]++;
  return counts;
}

/**
 * Models × checkpoints: row per model, column per position in the model's ordered chain of versions, so the
 * first, second, third checkpoints of every run line up whatever their labels.
 */
export function checkpointMatrix<M extends { versions: { ordinal: number; label: string }[] }>(
  models: readonly M[],
): { columns: number; rows: { model: M; cells: (M['versions'][number] | null)[] }[] } {
  const columns = Math.max(0, ...models.map((m) => m.versions.length));
  const rows = models.map((model) => {
    const ordered = [...model.versions].sort((a, b) => a.ordinal - b.ordinal || a.label.localeCompare(b.label));
    return { model, cells: Array.from({ length: columns }, (_, i) => ordered[i] ?? null) };
  });
  return { columns, rows };
}

/**
 * The probe set a version's pages show by default: the one its newest successful activations job ran on (a study
 * may probe different models with different images), else the study's first. Null when the study has none.
 */
export function preferredDataset(
  detail: { datasets: { id: string; name: string }[]; jobs: readonly JobLike[]; models: { name: string; versions: { id: string; label: string }[] }[] },
  model: string,
  version: string,
): string | null {
  const versionId = detail.models.find((m) => m.name === model)?.versions.find((v) => v.label === version)?.id;
  const done = detail.jobs
    .filter((j) => j.kind === 'activations' && j.status === 'succeeded' && j.params.versionId === versionId)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const names = new Map(detail.datasets.map((d) => [d.id, d.name]));
  for (const job of done) {
    const name = job.params.datasetId && names.get(job.params.datasetId);
    if (name) return name;
  }
  return detail.datasets[0]?.name ?? null;
}
