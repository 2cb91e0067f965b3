import { isMicroscopeError } from '@microscope/contracts';
import { pearsonCorrelation, type CorrelationBlock } from './correlation';
import { matrix } from './matrix';
import { maxAbsDifference, randomMatrix } from './testing/random';
import { pearsonTextbook } from './testing/textbook';

describe('pearsonCorrelation', () => {
  const x = randomMatrix(60, 7, 1);
  const y = randomMatrix(60, 9, 2);

  it('matches the textbook formula pair by pair', () => {
    const result = pearsonCorrelation(x, y);
    expect(result.rows).toBe(7);
    expect(result.cols).toBe(9);
    expect(maxAbsDifference(result.matrix!.data, pearsonTextbook(x, y))).toBeLessThan(1e-12);
  });

  it('reads float32 activations', () => {
    const x32 = matrix(60, 7, Float32Array.from(x.data));
    const y32 = matrix(60, 9, Float32Array.from(y.data));
    const result = pearsonCorrelation(x32, y32);
    expect(maxAbsDifference(result.matrix!.data, pearsonTextbook(x32, y32))).toBeLessThan(1e-12);
  });

  it('is unchanged by a positive affine map of each unit, and flips sign under a negative scale', () => {
    const slopes = [2, 0.001, 1e3, 7, 0.5, 3, 1.5, -4, 9];
    const offsets = [5, -100, 0.3, 1e4, 0, -2, 8, 1, -7];
    const mapped = matrix(60, 9, y.data.map((v, i) => slopes[i % 9] * v + offsets[i % 9]));
    const before = pearsonCorrelation(x, y).matrix!.data;
    const after = pearsonCorrelation(x, mapped).matrix!.data;
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 9; j++) {
        const expected = Math.sign(slopes[j]) * before[i * 9 + j];
        expect(Math.abs(after[i * 9 + j] - expected)).toBeLessThan(1e-12);
      }
    }
  });

  it('gives identical values whether computed in one block or many, assembled or streamed', () => {
    const wide = randomMatrix(300, 23, 3);
    const other = randomMatrix(300, 17, 4);
    const whole = pearsonCorrelation(wide, other, { chunkUnits: 1000 }).matrix!.data;
    expect(pearsonCorrelation(wide, other, { chunkUnits: 5 }).matrix!.data).toEqual(whole);

    const streamed = new Float64Array(23 * 17);
    const blocks: CorrelationBlock[] = [];
    const result = pearsonCorrelation(wide, other, { chunkUnits: 4, onBlock: (block) => blocks.push(block) });
    expect(result.matrix).toBeNull();
    for (const block of blocks) {
      for (let r = 0; r < block.rows; r++) {
        for (let c = 0; c < block.cols; c++) streamed[(block.rowStart + r) * 17 + block.colStart + c] = block.values[r * block.cols + c];
      }
    }
    expect(blocks).toHaveLength(6 * 5);
    expect(streamed).toEqual(whole);
  });

  it('gives dead (constant) units correlation 0 and flags them, with no NaN', () => {
    const withDead = matrix(60, 9, Float64Array.from(y.data));
    for (let r = 0; r < 60; r++) {
      withDead.data[r * 9 + 2] = 0; // a ReLU unit that never fires
      withDead.data[r * 9 + 5] = 0.1 * 3; // a constant whose float64 mean is not exactly representable
    }
    const result = pearsonCorrelation(x, withDead);
    expect(Array.from(result.deadY)).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(result.deadX)).toEqual(new Array(7).fill(0));
    for (let i = 0; i < 7; i++) {
      expect(result.matrix!.data[i * 9 + 2]).toBe(0);
      expect(result.matrix!.data[i * 9 + 5]).toBe(0);
    }
    expect(result.matrix!.data.some(Number.isNaN)).toBe(false);
  });

  it('gives exactly ±1 (clamped) for a unit against itself', () => {
    const result = pearsonCorrelation(x, x);
    for (let i = 0; i < 7; i++) expect(Math.abs(result.matrix!.data[i * 7 + i] - 1)).toBeLessThan(1e-15);
    expect(result.matrix!.data.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it('refuses different probe sets, non-finite values, and oversized unstreamed results', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isMicroscopeError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => pearsonCorrelation(x, randomMatrix(59, 3, 1)))).toBe('INVALID_INPUT');
    const broken = matrix(60, 7, Float64Array.from(x.data));
    broken.data[17] = NaN;
    expect(() => pearsonCorrelation(broken, y)).toThrow(/image 2, unit 3/);
    expect(codeOf(() => pearsonCorrelation(x, y, { maxEntries: 10 }))).toBe('TOO_LARGE');
    expect(codeOf(() => pearsonCorrelation(x, y, { chunkUnits: 0 }))).toBe('INVALID_INPUT');
  });
});
