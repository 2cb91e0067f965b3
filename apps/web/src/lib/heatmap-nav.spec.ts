import { moveCell } from './heatmap-nav';

describe('moveCell', () => {
  const at = { row: 1, column: 1 };
  it('moves one cell with the arrows and stops at the edges', () => {
    expect(moveCell(at, 'ArrowRight', 3, 4)).toEqual({ row: 1, column: 2 });
    expect(moveCell(at, 'ArrowUp', 3, 4)).toEqual({ row: 0, column: 1 });
    expect(moveCell({ row: 2, column: 3 }, 'ArrowDown', 3, 4)).toEqual({ row: 2, column: 3 });
    expect(moveCell({ row: 0, column: 0 }, 'ArrowLeft', 3, 4)).toEqual({ row: 0, column: 0 });
  });
  it('jumps to the ends of the row, or of the grid with Ctrl, and by pages', () => {
    expect(moveCell(at, 'Home', 3, 4)).toEqual({ row: 1, column: 0 });
    expect(moveCell(at, 'End', 3, 4)).toEqual({ row: 1, column: 3 });
    expect(moveCell(at, 'End', 3, 4, { ctrl: true })).toEqual({ row: 2, column: 3 });
    expect(moveCell(at, 'Home', 3, 4, { ctrl: true })).toEqual({ row: 0, column: 0 });
    expect(moveCell({ row: 0, column: 2 }, 'PageDown', 20, 4, { pageRows: 8 })).toEqual({ row: 8, column: 2 });
    expect(moveCell({ row: 3, column: 2 }, 'PageUp', 20, 4)).toEqual({ row: 0, column: 2 });
  });
  it('ignores other keys and empty grids', () => {
    expect(moveCell(at, 'Enter', 3, 4)).toBeNull();
    expect(moveCell(at, 'ArrowRight', 0, 4)).toBeNull();
  });
});
