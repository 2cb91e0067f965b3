/** Keyboard movement between the cells of a rows × columns grid (the similarity heatmap), as in a spreadsheet. */
export interface CellPosition {
  row: number;
  column: number;
}

/**
 * Where a key moves focus from `at`: arrows by one cell, Home/End to the ends of the row (with Ctrl, of the grid),
 * PageUp/PageDown by `pageRows` rows; clamped to the grid. Null for keys that do not move.
 */
export function moveCell(at: CellPosition, key: string, rows: number, columns: number, opts: { ctrl?: boolean; pageRows?: number } = {}): CellPosition | null {
  if (rows <= 0 || columns <= 0) return null;
  const page = opts.pageRows ?? 5;
  let { row, column } = at;
  switch (key) {
    case 'ArrowRight':
      column += 1;
      break;
    case 'ArrowLeft':
      column -= 1;
      break;
    case 'ArrowDown':
      row += 1;
      break;
    case 'ArrowUp':
      row -= 1;
      break;
    case 'PageDown':
      row += page;
      break;
    case 'PageUp':
      row -= page;
      break;
    case 'Home':
      column = 0;
      if (opts.ctrl) row = 0;
      break;
    case 'End':
      column = columns - 1;
      if (opts.ctrl) row = rows - 1;
      break;
    default:
      return null;
  }
  return { row: Math.min(rows - 1, Math.max(0, row)), column: Math.min(columns - 1, Math.max(0, column)) };
}
