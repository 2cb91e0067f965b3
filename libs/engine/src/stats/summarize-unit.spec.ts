import { TopKEntry, UnitStats, UnitTopK } from '@microscope/contracts';
import { summarizeUnit, unitTopKEntries, type UnitActivations } from './summarize-unit';
import { summarize } from './unit-stats';
import { seededRandom } from './test-random';

const versionId = '00000000-0000-4000-8000-000000000001';
const datasetId = '00000000-0000-4000-8000-000000000002';

function randomUnit(n: number, seed: number): UnitActivations {
  const random = seededRandom(seed);
  const gridHeight = 7;
  const gridWidth = 5;
  // Max values from a small set so that ties occur; mean ≤ max as for real activation maps.
  const max = Float32Array.from({ length: n }, () => Math.floor(random() * 8) - 2);
  const mean = Float32Array.from(max, (m) => m - random() * 3);
  return {
    versionId,
    datasetId,
    layer: 'conv2',
    unit: 3,
    mean,
    max,
    argmaxY: Int32Array.from({ length: n }, () => Math.floor(random() * gridHeight)),
    argmaxX: Int32Array.from({ length: n }, () => Math.floor(random() * gridWidth)),
    gridHeight,
    gridWidth,
  };
}

describe('summarizeUnit', () => {
  it('produces contract-valid UnitStats for both poolings, equal to summarizing each array', () => {
    const unit = randomUnit(300, 1);
    const summary = summarizeUnit(unit, { bins: 16, k: 9 });
    expect(UnitStats.parse(summary.stats.mean)).toEqual(summary.stats.mean);
    expect(UnitStats.parse(summary.stats.max)).toEqual(summary.stats.max);
    expect(summary.stats.mean).toEqual({ versionId, datasetId, layer: 'conv2', unit: 3, pooling: 'mean', ...summarize(unit.mean, { bins: 16 }) });
    expect(summary.stats.max).toEqual({ versionId, datasetId, layer: 'conv2', unit: 3, pooling: 'max', ...summarize(unit.max, { bins: 16 }) });
  });

  it('ranks top-k by spatial max with ties to the lower image index, carrying each image’s argmax', () => {
    const unit = randomUnit(300, 2);
    const { topK } = summarizeUnit(unit, { bins: 4, k: 20 });
    expect(UnitTopK.parse(topK)).toEqual(topK);
    const expectedOrder = Array.from(unit.max, (value, index) => ({ value, index }))
      .sort((a, b) => b.value - a.value || a.index - b.index)
      .slice(0, 20);
    expect(topK.entries.map((e) => e.imageIndex)).toEqual(expectedOrder.map((e) => e.index));
    topK.entries.forEach((e, rank) => {
      expect(TopKEntry.parse(e)).toEqual(e);
      expect(e.rank).toBe(rank);
      expect(e.value).toBe(unit.max[e.imageIndex]);
      expect([e.argmaxY, e.argmaxX]).toEqual([unit.argmaxY[e.imageIndex], unit.argmaxX[e.imageIndex]]);
      expect([e.gridHeight, e.gridWidth]).toEqual([7, 5]);
    });
  });

  it('returns every image when k exceeds the dataset', () => {
    expect(unitTopKEntries(randomUnit(6, 3), 50)).toHaveLength(6);
  });

  it('rejects arrays of different lengths and argmax positions outside the grid', () => {
    const unit = randomUnit(10, 4);
    expect(() => summarizeUnit({ ...unit, max: Array.from(unit.max).slice(0, 9) }, { bins: 4, k: 3 })).toThrow(/max has 9 images but mean has 10/);
    expect(() => summarizeUnit({ ...unit, argmaxY: Int32Array.from(unit.argmaxY, () => 7) }, { bins: 4, k: 3 })).toThrow(/outside the 7×5 grid/);
    expect(() => summarizeUnit({ ...unit, gridWidth: 0 }, { bins: 4, k: 3 })).toThrow(/not a positive integer size/);
  });
});
