import { availableMetrics, chooseMetric, matchedAbove, metricLabel, orderMatches, studyMatrixLabels, type PairMatchRow } from './similarity';

describe('metrics', () => {
  it('offers what a result holds, known measures first in the page’s order', () => {
    expect(availableMetrics({ svcca: [[1]], cka: [[1]], other: [[0]] })).toEqual(['cka', 'svcca', 'other']);
    expect(availableMetrics({ cka: undefined })).toEqual([]);
  });
  it('keeps the measure asked for when it is there, else falls back to the first', () => {
    expect(chooseMetric('svcca', ['cka', 'svcca'])).toBe('svcca');
    expect(chooseMetric('dcka', ['cka', 'svcca'])).toBe('cka');
    expect(chooseMetric(undefined, [])).toBeNull();
    expect(metricLabel('dcka')).toBe('Debiased linear CKA');
    expect(metricLabel('new-one')).toBe('new-one');
  });
});

describe('orderMatches', () => {
  const rows: PairMatchRow[] = [
    { unit: 0, best: [{ unit: 3, correlation: 0.5 }], oneToOne: null },
    { unit: 1, best: [], oneToOne: null },
    { unit: 2, best: [{ unit: 1, correlation: 0.9 }], oneToOne: { unit: 1, correlation: 0.9 } },
    { unit: 3, best: [{ unit: 0, correlation: 0.5 }], oneToOne: null },
  ];
  it('sorts by best correlation, ties by unit, units without a match last', () => {
    expect(orderMatches(rows, 'correlation').map((r) => r.unit)).toEqual([2, 0, 3, 1]);
    expect(orderMatches([...rows].reverse(), 'unit').map((r) => r.unit)).toEqual([0, 1, 2, 3]);
  });
  it('counts the units matched at or above a threshold', () => {
    expect(matchedAbove(rows, 0.5)).toEqual({ matched: 3, units: 4 });
    expect(matchedAbove(rows, 0.9)).toEqual({ matched: 1, units: 4 });
  });
});

describe('studyMatrixLabels', () => {
  it('names each row by version and layer, in the order given', () => {
    const { labels, cells } = studyMatrixLabels([
      { model: 'a', version: 'v1', layers: [{ name: 'conv1' }, { name: 'conv2' }] },
      { model: 'b', version: 'v2', layers: [{ name: 'conv1' }] },
    ]);
    expect(labels).toEqual(['a@v1 · conv1', 'a@v1 · conv2', 'b@v2 · conv1']);
    expect(cells[2]).toEqual({ model: 'b', version: 'v2', layer: 'conv1' });
  });
});
