import { checkpointMatrix, hasActiveJobs, jobFor, latestJobByCell, preferredDataset, statusCounts, type JobLike } from './jobs';

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
