/**
 * Window-scrolled virtual grid: only the rows near the viewport are in the DOM, so a layer of thousands of
 * units scrolls as smoothly as one of twenty. Pure geometry here; the component measures and renders.
 */
export interface GridGeometry {
  columns: number;
  rows: number;
  /** Distance from one row's top to the next. */
  rowPitch: number;
  totalHeight: number;
}

export function gridGeometry(count: number, containerWidth: number, tile: { width: number; height: number; gap: number }): GridGeometry {
  const columns = Math.max(1, Math.floor((containerWidth + tile.gap) / (tile.width + tile.gap)));
  const rows = Math.ceil(count / columns);
  const rowPitch = tile.height + tile.gap;
  return { columns, rows, rowPitch, totalHeight: rows > 0 ? rows * rowPitch - tile.gap : 0 };
}

export interface VisibleRange {
  firstRow: number;
  /** Exclusive. */
  endRow: number;
  firstIndex: number;
  /** Exclusive. */
  endIndex: number;
}

/**
 * The rows to render, given how far the viewport's top is below the grid's top (negative while the grid starts
 * further down the page) and the viewport's height, with `overscan` extra rows each side.
 */
export function visibleRange(geometry: GridGeometry, count: number, viewportTop: number, viewportHeight: number, overscan = 2): VisibleRange {
  const { rowPitch, rows, columns } = geometry;
  if (rows === 0) return { firstRow: 0, endRow: 0, firstIndex: 0, endIndex: 0 };
  const firstVisible = Math.floor(Math.max(0, viewportTop) / rowPitch);
  const lastVisible = Math.floor(Math.max(0, viewportTop + viewportHeight) / rowPitch);
  const firstRow = clamp(firstVisible - overscan, 0, rows);
  const endRow = clamp(lastVisible + 1 + overscan, firstRow, rows);
  return { firstRow, endRow, firstIndex: firstRow * columns, endIndex: Math.min(count, endRow * columns) };
}

/** Arrow keys, Home/End and Page keys move between tiles the way they move in a spreadsheet. */
export function moveIndex(index: number, key: string, columns: number, count: number, pageRows = 4): number | null {
  if (count === 0) return null;
  const target = (() => {
    switch (key) {
      case 'ArrowRight':
        return index + 1;
      case 'ArrowLeft':
        return index - 1;
      case 'ArrowDown':
        return index + columns;
      case 'ArrowUp':
        return index - columns;
      case 'PageDown':
        return index + columns * pageRows;
      case 'PageUp':
        return index - columns * pageRows;
      case 'Home':
        return 0;
      case 'End':
        return count - 1;
      default:
        return null;
    }
  })();
  return target === null ? null : clamp(target, 0, count - 1);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
