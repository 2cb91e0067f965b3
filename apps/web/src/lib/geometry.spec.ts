import { argmaxBox, histogramRows, sparklinePoints } from './geometry';

describe('argmaxBox', () => {
  it('covers the output cell on a coarse grid', () => {
    expect(argmaxBox({ argmaxY: 1, argmaxX: 0, gridHeight: 2, gridWidth: 2 })).toEqual({ left: 0, top: 50, width: 50, height: 50 });
  });
  it('grows tiny cells to the minimum size around their centre', () => {
    const box = argmaxBox({ argmaxY: 50, argmaxX: 50, gridHeight: 100, gridWidth: 100 }, 10);
    expect(box.width).toBe(10);
    expect(box.left + box.width / 2).toBeCloseTo(50.5);
    expect(box.top + box.height / 2).toBeCloseTo(50.5);
  });
  it('stays inside the image at the corners', () => {
    const box = argmaxBox({ argmaxY: 27, argmaxX: 27, gridHeight: 28, gridWidth: 28 }, 20);
    expect(box.left + box.width).toBeCloseTo(100);
    expect(box.top + box.height).toBeCloseTo(100);
    expect(argmaxBox({ argmaxY: 0, argmaxX: 0, gridHeight: 28, gridWidth: 28 }, 20)).toMatchObject({ left: 0, top: 0 });
  });
  it('marks the whole image for a 1×1 grid (pooled layers)', () => {
    expect(argmaxBox({ argmaxY: 0, argmaxX: 0, gridHeight: 1, gridWidth: 1 })).toEqual({ left: 0, top: 0, width: 100, height: 100 });
  });
});

describe('histogramRows', () => {
  it('pairs each count with its bin edges', () => {
    expect(histogramRows({ edges: [0, 1, 3], counts: [4, 6] })).toEqual([
      { from: 0, to: 1, mid: 0.5, count: 4 },
      { from: 1, to: 3, mid: 2, count: 6 },
    ]);
  });
});

describe('sparklinePoints', () => {
  it('scales the peak to the top and zero to the bottom', () => {
    expect(sparklinePoints([0, 5, 10], 100, 20)).toBe('0,20 50,10 100,0');
  });
  it('draws nothing for no data and a flat line for all zeros', () => {
    expect(sparklinePoints([], 10, 10)).toBe('');
    expect(sparklinePoints([0, 0], 10, 10)).toBe('0,10 10,10');
  });
});
