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
  params: { kind: string; versionId?: string; datasetId?: string; otherVersionId?: string; layer?: string };
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
    if (!seen || isNewer(job, seen)) latest.set(key, job);
  }
  return latest;
}

/** Created later, or created together and updated later (a forced rerun supersedes the earlier run). */
function isNewer(job: JobLike, than: JobLike): boolean {
  return job.createdAt > than.createdAt || (job.createdAt === than.createdAt && job.updatedAt > than.updatedAt);
}

/** The newest job that matches, if any. */
export function latestJob<J extends JobLike>(jobs: readonly J[], match: (job: J) => boolean): J | undefined {
  let latest: J | undefined;
  for (const job of jobs) if (match(job) && (!latest || isNewer(job, latest))) latest = job;
  return latest;
}

/** The newest job of a kind (visualize, dream, tuning) for one layer of a version. */
export function latestLayerJob<J extends JobLike>(jobs: readonly J[], kind: string, versionId: string | undefined, layer: string): J | undefined {
  return versionId ? latestJob(jobs, (j) => j.kind === kind && j.params.versionId === versionId && j.params.layer === layer) : undefined;
}

/** Comparison jobs of a pair of versions, in either order (and on one dataset when given), newest first. */
export function comparisonJobs<J extends JobLike>(jobs: readonly J[], versionA: string | undefined, versionB: string | undefined, datasetId?: string): J[] {
  if (!versionA || !versionB) return [];
  return jobs
    .filter((j) => {
      if (j.kind !== 'compare' || (datasetId && j.params.datasetId !== datasetId)) return false;
      const { versionId, otherVersionId } = j.params;
      return (versionId === versionA && otherVersionId === versionB) || (versionId === versionB && otherVersionId === versionA);
    })
    .sort((x, y) => (isNewer(x, y) ? -1 : isNewer(y, x) ? 1 : 0));
}

/** Comparison jobs that involve a version (with any other), newest first. */
export function comparisonsOf<J extends JobLike>(jobs: readonly J[], versionId: string | undefined): J[] {
  if (!versionId) return [];
  return jobs.filter((j) => j.kind === 'compare' && (j.params.versionId === versionId || j.params.otherVersionId === versionId)).sort((x, y) => (isNewer(x, y) ? -1 : isNewer(y, x) ? 1 : 0));
}

/**
 * Versions whose activations on a dataset are extracted: a comparison needs them, and refuses to run without.
 * A version counts once any activations job of it on the dataset has succeeded.
 */
export function extractedVersionIds(jobs: readonly JobLike[], datasetId: string | undefined): Set<string> {
  const ids = new Set<string>();
  for (const j of jobs) if (j.kind === 'activations' && j.status === 'succeeded' && j.params.datasetId === datasetId && j.params.versionId) ids.add(j.params.versionId);
  return ids;
}

/** Jobs that were queued or running before (`wasActive`) and have ended now: the moment to reload what they make. */
export function newlyEnded<J extends JobLike>(wasActive: ReadonlySet<string>, jobs: readonly J[]): J[] {
  return jobs.filter((j) => wasActive.has(j.id) && !isActive(j.status));
}

/** Several jobs as one line: the least finished status, the mean progress, and the message of one still moving. */
export function combinedProgress(jobs: readonly JobLike[]): { status: JobStatus; progress: number; message: string; done: number } | null {
  if (!jobs.length) return null;
  const order: JobStatus[] = ['running', 'queued', 'failed', 'succeeded'];
  const status = order.find((s) => jobs.some((j) => j.status === s))!;
  const progress = jobs.reduce((sum, j) => sum + (j.status === 'succeeded' ? 1 : j.progress), 0) / jobs.length;
  const done = jobs.filter((j) => !isActive(j.status)).length;
  const moving = jobs.find((j) => j.status === 'running') ?? jobs.find((j) => j.status === 'failed') ?? jobs[0];
  return { status, progress, message: jobs.length === 1 ? moving.message : `${done} of ${jobs.length} done${moving.message ? ` · ${moving.message}` : ''}`, done };
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
