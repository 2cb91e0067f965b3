import { pearsonCorrelation, type CorrelationResult } from './correlation';
import { matrix } from './matrix';
import { randomMatrix } from './testing/random';
import { TopMatchAccumulator, topMatches } from './top-matches';

/** Sort every candidate and take the first k: the definition, by brute force. */
function bruteForce(values: ArrayLike<number>, rows: number, cols: number, k: number, byColumn: boolean) {
  const owners = byColumn ? cols : rows;
  const candidates = byColumn ? rows : cols;
  return Array.from({ length: owners }, (_, owner) =>
    Array.from({ length: candidates }, (_, c) => ({ index: c, value: byColumn ? values[c * cols + owner] : values[owner * cols + c] }))
      .sort((a, b) => b.value - a.value || a.index - b.index)
      .slice(0, k),
  );
}

function listOf(indices: Int32Array, values: Float64Array, owner: number, k: number) {
  const out = [];
  for (let r = 0; r < k; r++) if (indices[owner * k + r] >= 0) out.push({ index: indices[owner * k + r], value: values[owner * k + r] });
  return out;
}

describe('topMatches', () => {
  const correlation = pearsonCorrelation(randomMatrix(40, 13, 1), randomMatrix(40, 11, 2));

  it('returns the k best matches each way, best first, as a full sort would', () => {
    const k = 4;
    const { xToY, yToX } = topMatches(correlation, k);
    const data = correlation.matrix!.data;
    const expectedXY = bruteForce(data, 13, 11, k, false);
    const expectedYX = bruteForce(data, 13, 11, k, true);
    for (let u = 0; u < 13; u++) expect(listOf(xToY.indices, xToY.values, u, k)).toEqual(expectedXY[u]);
    for (let u = 0; u < 11; u++) expect(listOf(yToX.indices, yToX.values, u, k)).toEqual(expectedYX[u]);
  });

  it('gives the same result from streamed blocks in any order', () => {
    const blocks: Parameters<TopMatchAccumulator['add']>[0][] = [];
    pearsonCorrelation(randomMatrix(40, 13, 1), randomMatrix(40, 11, 2), { chunkUnits: 3, onBlock: (b) => blocks.push(b) });
    const accumulator = new TopMatchAccumulator(13, 11, 4);
    for (const block of blocks.reverse()) accumulator.add(block);
    expect(accumulator.result()).toEqual(topMatches(correlation, 4));
  });

  it('pads with −1 when k exceeds the candidates, and breaks ties by lower index', () => {
    const tied: CorrelationResult = {
      matrix: matrix(2, 3, Float64Array.from([0.5, 0.9, 0.5, 0.2, 0.2, 0.2])),
      rows: 2,
      cols: 3,
      deadX: new Uint8Array(2),
      deadY: new Uint8Array(3),
    };
    const { xToY, yToX } = topMatches(tied, 4);
    expect(Array.from(xToY.indices)).toEqual([1, 0, 2, -1, 0, 1, 2, -1]);
    expect(Array.from(xToY.values)).toEqual([0.9, 0.5, 0.5, 0, 0.2, 0.2, 0.2, 0]);
    expect(Array.from(yToX.indices.subarray(0, 4))).toEqual([0, 1, -1, -1]);
  });

  it('leaves dead units out on both sides', () => {
    const y = randomMatrix(40, 5, 3);
    for (let r = 0; r < 40; r++) y.data[r * 5 + 1] = 2;
    const result = pearsonCorrelation(randomMatrix(40, 4, 4), y);
    const { xToY, yToX } = topMatches(result, 5);
    for (let u = 0; u < 4; u++) {
      const matched = Array.from(xToY.indices.subarray(u * 5, u * 5 + 5));
      expect(matched).not.toContain(1);
      expect(matched.filter((i) => i >= 0)).toHaveLength(4);
    }
    expect(Array.from(yToX.indices.subarray(5, 10))).toEqual([-1, -1, -1, -1, -1]);
  });

  it('refuses a streamed correlation and a bad k', () => {
    const streamed = pearsonCorrelation(randomMatrix(10, 2, 1), randomMatrix(10, 2, 2), { onBlock: () => undefined });
    expect(() => topMatches(streamed, 1)).toThrow(/TopMatchAccumulator/);
    expect(() => topMatches(correlation, 0)).toThrow(/positive integer/);
  });
});
