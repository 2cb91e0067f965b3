import { randomUUID } from 'node:crypto';
import { CompareJobParams, type ActivationsJobParams, type JobParams, type JobStatus, type JobView } from '@microscope/contracts';
import { allPairs, chainPairs, coveringComparison, extractionStates } from './comparison-plan';

const dataset = randomUUID();
const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];

function jobView(params: JobParams, status: JobStatus): JobView {
  const at = new Date().toISOString();
  return { id: randomUUID(), studyId: randomUUID(), kind: params.kind, params, createdAt: at, status, progress: 0, message: '', updatedAt: at };
}
const compare = (versionId: string, otherVersionId: string, extra: Partial<CompareJobParams> = {}) =>
  CompareJobParams.parse({ kind: 'compare', versionId, otherVersionId, datasetId: dataset, ...extra });
const activations = (versionId: string, layers: string[] = []): ActivationsJobParams => ({ kind: 'activations', versionId, datasetId: dataset, layers, batchSize: 64, topK: 16 });

describe('comparison plan', () => {
  it('pairs every two versions once, and a chain consecutively and each with its last', () => {
    expect(allPairs([1, 2, 3, 4])).toEqual([[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]);
    expect(chainPairs([1, 2, 3, 4])).toEqual([[1, 2], [2, 3], [3, 4], [1, 4], [2, 4]]);
    expect(chainPairs([1, 2])).toEqual([[1, 2]]);
    expect(chainPairs([1])).toEqual([]);
  });

  it('knows which versions have a full extraction on the dataset, the best state of their jobs winning', () => {
    const states = extractionStates(
      [
        jobView(activations(a), 'failed'),
        jobView(activations(a), 'succeeded'),
        jobView(activations(b), 'running'),
        jobView(activations(c, ['conv1']), 'succeeded'), // a partial extraction does not count
        jobView({ ...activations(c), datasetId: randomUUID() }, 'succeeded'), // nor one on another dataset
      ],
      dataset,
    );
    expect(Object.fromEntries(states)).toEqual({ [a]: 'succeeded', [b]: 'running' });
  });

  it('finds a comparison that covers a pair in either order, unless it failed or compared less', () => {
    const done = jobView(compare(b, a), 'succeeded');
    expect(coveringComparison([done], compare(a, b))).toBe(done);
    expect(coveringComparison([done], compare(a, b, { metrics: ['cka'] }))).toBe(done);
    expect(coveringComparison([jobView(compare(a, b), 'failed')], compare(a, b))).toBeUndefined();
    expect(coveringComparison([jobView(compare(a, b, { metrics: ['cka'] }), 'queued')], compare(a, b))).toBeUndefined();
    expect(coveringComparison([jobView(compare(a, b, { layers: ['conv1'] }), 'succeeded')], compare(a, b))).toBeUndefined();
    expect(coveringComparison([jobView(compare(a, c), 'succeeded')], compare(a, b))).toBeUndefined();
    expect(coveringComparison([jobView(compare(a, b, { topK: 3 }), 'succeeded')], compare(a, b))).toBeUndefined();
  });
});
