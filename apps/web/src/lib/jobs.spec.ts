import {
  checkpointMatrix,
  combinedProgress,
  comparisonJobs,
  comparisonsOf,
  extractedVersionIds,
  hasActiveJobs,
  jobFor,
  latestJobByCell,
  latestLayerJob,
  newlyEnded,
  preferredDataset,
  statusCounts,
  type JobLike,
} from './jobs';

const job = (id: string, versionId: string, datasetId: string, createdAt: string, status: JobLike['status'] = 'succeeded', kind = 'activations'): JobLike => ({
  id,
  kind,
  status,
  progress: status === 'succeeded' ? 1 : 0.5,
  message: '',
  createdAt,
  updatedAt: createdAt,
  params: { kind, versionId, datasetId },
});

describe('latestJobByCell', () => {
  it('keeps the newest job per version × dataset of the kind asked', () => {
    const jobs = [
      job('old', 'v1', 'd1', '2025-01-01T00:00:00Z', 'failed'),
      job('new', 'v1', 'd1', '2025-01-02T00:00:00Z', 'running'),
      job('other', 'v2', 'd1', '2025-01-01T00:00:00Z'),
      job('render', 'v1', 'd1', '2025-01-03T00:00:00Z', 'queued', 'visualize'),
    ];
    const latest = latestJobByCell(jobs, 'activations');
    expect(latest.size).toBe(2);
    expect(jobFor(latest, 'v1', 'd1')?.id).toBe('new');
    expect(jobFor(latest, 'v2', 'd1')?.id).toBe('other');
    expect(jobFor(latest, 'v2', 'd2')).toBeUndefined();
  });
  it('reports activity and counts', () => {
    const jobs = [job('a', 'v', 'd', '2025-01-01T00:00:00Z'), job('b', 'v', 'd', '2025-01-01T00:00:00Z', 'queued')];
    expect(hasActiveJobs(jobs)).toBe(true);
    expect(hasActiveJobs(jobs.slice(0, 1))).toBe(false);
    expect(statusCounts(jobs)).toEqual({ queued: 1, running: 0, succeeded: 1, failed: 0 });
  });
});

describe('checkpointMatrix', () => {
  it('lines up each model’s versions by their order, padding short chains', () => {
    const models = [
      { name: 'a', versions: [{ label: 'e6', ordinal: 2 }, { label: 'e1', ordinal: 0 }, { label: 'e3', ordinal: 1 }] },
      { name: 'b', versions: [{ label: 'only', ordinal: 5 }] },
    ];
    const m = checkpointMatrix(models);
    expect(m.columns).toBe(3);
    expect(m.rows[0].cells.map((c) => c?.label)).toEqual(['e1', 'e3', 'e6']);
    expect(m.rows[1].cells.map((c) => c?.label ?? null)).toEqual(['only', null, null]);
    expect(checkpointMatrix([]).columns).toBe(0);
  });
});

describe('preferredDataset', () => {
  const detail = {
    datasets: [
      { id: 'd1', name: 'fashion' },
      { id: 'd2', name: 'natural' },
    ],
    models: [
      { name: 'cnn', versions: [{ id: 'v1', label: 'e1' }] },
      { name: 'centernet', versions: [{ id: 'v2', label: 'coco' }] },
    ],
    jobs: [job('a', 'v1', 'd1', '2025-01-01T00:00:00Z'), job('b', 'v2', 'd2', '2025-01-01T00:00:00Z'), job('c', 'v2', 'd1', '2025-01-02T00:00:00Z', 'failed')],
  };
  it('picks the probe set the version has statistics on', () => {
    expect(preferredDataset(detail, 'centernet', 'coco')).toBe('natural');
    expect(preferredDataset(detail, 'cnn', 'e1')).toBe('fashion');
  });
  it('falls back to the first probe set, or none', () => {
    expect(preferredDataset({ ...detail, jobs: [] }, 'centernet', 'coco')).toBe('fashion');
    expect(preferredDataset({ ...detail, datasets: [], jobs: [] }, 'cnn', 'e1')).toBeNull();
  });
});

const at = (minute: number) => `2025-01-01T00:${String(minute).padStart(2, '0')}:00Z`;
const withParams = (id: string, kind: string, params: Partial<JobLike['params']>, minute: number, status: JobLike['status'] = 'succeeded', progress = 1): JobLike => ({
  id,
  kind,
  status,
  progress,
  message: `${id} says`,
  createdAt: at(minute),
  updatedAt: at(minute),
  params: { kind, ...params },
});

describe('jobs of one layer and one pair', () => {
  const jobs = [
    withParams('t-old', 'tuning', { versionId: 'v1', layer: 'conv1' }, 1, 'failed', 0),
    withParams('t-new', 'tuning', { versionId: 'v1', layer: 'conv1' }, 2, 'running', 0.5),
    withParams('t-other-layer', 'tuning', { versionId: 'v1', layer: 'conv2' }, 3),
    withParams('d', 'dream', { versionId: 'v1', layer: 'conv1' }, 4),
    withParams('ab', 'compare', { versionId: 'a', otherVersionId: 'b', datasetId: 'd1' }, 1),
    withParams('ba', 'compare', { versionId: 'b', otherVersionId: 'a', datasetId: 'd1' }, 5, 'queued', 0),
    withParams('ab-d2', 'compare', { versionId: 'a', otherVersionId: 'b', datasetId: 'd2' }, 6),
    withParams('ac', 'compare', { versionId: 'a', otherVersionId: 'c', datasetId: 'd1' }, 7),
  ];

  it('finds the newest job of a kind for a layer of a version', () => {
    expect(latestLayerJob(jobs, 'tuning', 'v1', 'conv1')?.id).toBe('t-new');
    expect(latestLayerJob(jobs, 'dream', 'v1', 'conv1')?.id).toBe('d');
    expect(latestLayerJob(jobs, 'visualize', 'v1', 'conv1')).toBeUndefined();
    expect(latestLayerJob(jobs, 'tuning', undefined, 'conv1')).toBeUndefined();
  });

  it('finds the comparisons of a pair in either order, newest first, on one dataset when asked', () => {
    expect(comparisonJobs(jobs, 'a', 'b', 'd1').map((j) => j.id)).toEqual(['ba', 'ab']);
    expect(comparisonJobs(jobs, 'b', 'a').map((j) => j.id)).toEqual(['ab-d2', 'ba', 'ab']);
    expect(comparisonJobs(jobs, 'a', undefined)).toEqual([]);
    expect(comparisonsOf(jobs, 'a').map((j) => j.id)).toEqual(['ac', 'ab-d2', 'ba', 'ab']);
  });
});

describe('extractedVersionIds', () => {
  it('counts versions with a successful extraction on the dataset only', () => {
    const jobs = [
      withParams('1', 'activations', { versionId: 'v1', datasetId: 'd1' }, 1),
      withParams('2', 'activations', { versionId: 'v2', datasetId: 'd1' }, 1, 'running', 0.3),
      withParams('3', 'activations', { versionId: 'v3', datasetId: 'd2' }, 1),
      withParams('4', 'visualize', { versionId: 'v4' }, 1),
    ];
    expect([...extractedVersionIds(jobs, 'd1')]).toEqual(['v1']);
    expect([...extractedVersionIds(jobs, undefined)]).toEqual([]);
  });
});

describe('watching requested work', () => {
  it('reports the jobs that were active and have ended since', () => {
    const now = [withParams('a', 'tuning', {}, 1), withParams('b', 'tuning', {}, 1, 'running', 0.2), withParams('c', 'tuning', {}, 1, 'failed', 0)];
    expect(newlyEnded(new Set(['a', 'b']), now).map((j) => j.id)).toEqual(['a']);
    expect(newlyEnded(new Set(), now)).toEqual([]);
  });

  it('sums several jobs into one line: the least finished status and the mean progress', () => {
    expect(combinedProgress([])).toBeNull();
    const one = combinedProgress([withParams('x', 'tuning', {}, 1, 'running', 0.4)]);
    expect(one).toEqual({ status: 'running', progress: 0.4, message: 'x says', done: 0 });
    const many = combinedProgress([withParams('x', 'compare', {}, 1), withParams('y', 'compare', {}, 1, 'queued', 0), withParams('z', 'compare', {}, 1, 'failed', 0)]);
    expect(many?.status).toBe('queued');
    expect(many?.progress).toBeCloseTo(1 / 3);
    expect(many?.done).toBe(2);
    expect(many?.message).toBe('2 of 3 done · z says');
  });
});
