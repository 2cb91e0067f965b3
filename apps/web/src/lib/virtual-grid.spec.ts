import { gridGeometry, moveIndex, visibleRange } from './virtual-grid';

const tile = { width: 100, height: 120, gap: 10 };

describe('gridGeometry', () => {
  it('fits as many columns as the width holds, gaps between them only', () => {
    // 4 × 100 + 3 × 10 = 430: four tiles need exactly 430 px.
    expect(gridGeometry(100, 429, tile).columns).toBe(3);
    expect(gridGeometry(100, 430, tile).columns).toBe(4);
    expect(gridGeometry(100, 20, tile).columns).toBe(1);
  });
  it('measures the whole grid', () => {
    const g = gridGeometry(1000, 1090, tile); // 10 columns
    expect(g).toEqual({ columns: 10, rows: 100, rowPitch: 130, totalHeight: 100 * 130 - 10 });
    expect(gridGeometry(0, 1090, tile).totalHeight).toBe(0);
  });
});

describe('visibleRange', () => {
  const g = gridGeometry(1000, 1090, tile);
  it('renders the rows in view plus overscan', () => {
    expect(visibleRange(g, 1000, 0, 600, 2)).toEqual({ firstRow: 0, endRow: 7, firstIndex: 0, endIndex: 70 });
    const mid = visibleRange(g, 1000, 1300, 600, 2); // rows 10..14 visible
    expect(mid).toEqual({ firstRow: 8, endRow: 17, firstIndex: 80, endIndex: 170 });
  });
  it('handles a grid that starts below the viewport and one scrolled past its end', () => {
    expect(visibleRange(g, 1000, -400, 600, 0)).toEqual({ firstRow: 0, endRow: 2, firstIndex: 0, endIndex: 20 });
    expect(visibleRange(g, 1000, 100000, 600, 1)).toEqual({ firstRow: 100, endRow: 100, firstIndex: 1000, endIndex: 1000 });
  });
  it('stops at the last unit of a partial row', () => {
    const partial = gridGeometry(95, 1090, tile);
    expect(visibleRange(partial, 95, 0, 10000).endIndex).toBe(95);
  });
  it('covers every index exactly once while scrolling through', () => {
    const seen = new Set<number>();
    for (let top = -500; top < g.totalHeight; top += 250) {
      const r = visibleRange(g, 1000, top, 600, 0);
      for (let i = r.firstIndex; i < r.endIndex; i++) seen.add(i);
    }
    expect(seen.size).toBe(1000);
  });
});

describe('moveIndex', () => {
  it('moves like a spreadsheet and stays inside the grid', () => {
    expect(moveIndex(5, 'ArrowRight', 10, 100)).toBe(6);
    expect(moveIndex(5, 'ArrowDown', 10, 100)).toBe(15);
    expect(moveIndex(5, 'ArrowUp', 10, 100)).toBe(0);
    expect(moveIndex(0, 'ArrowLeft', 10, 100)).toBe(0);
    expect(moveIndex(95, 'ArrowDown', 10, 100)).toBe(99);
    expect(moveIndex(3, 'End', 10, 100)).toBe(99);
    expect(moveIndex(50, 'PageUp', 10, 100, 4)).toBe(10);
    expect(moveIndex(3, 'x', 10, 100)).toBeNull();
    expect(moveIndex(0, 'ArrowRight', 10, 0)).toBeNull();
  });
});
