/** Where a unit's strongest response sits on a dataset image, as percentages of the image box. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The cell of the layer's output grid that held the maximum, mapped onto the input image. A cell of a coarse grid
 * covers a large patch; on a fine grid a cell would be a dot, so the box grows to `minSize` percent around its
 * centre (and stays inside the image).
 */
export function argmaxBox(entry: { argmaxY: number; argmaxX: number; gridHeight: number; gridWidth: number }, minSize = 12): Box {
  const cellW = 100 / entry.gridWidth;
  const cellH = 100 / entry.gridHeight;
  const width = Math.min(100, Math.max(cellW, minSize));
  const height = Math.min(100, Math.max(cellH, minSize));
  const cx = (entry.argmaxX + 0.5) * cellW;
  const cy = (entry.argmaxY + 0.5) * cellH;
  return {
    left: clamp(cx - width / 2, 0, 100 - width),
    top: clamp(cy - height / 2, 0, 100 - height),
    width,
    height,
  };
}

/** A histogram as chart rows: one per bin, with its range as a label. */
export function histogramRows(h: { edges: number[]; counts: number[] }): { from: number; to: number; mid: number; count: number }[] {
  return h.counts.map((count, i) => {
    const from = h.edges[i];
    const to = h.edges[i + 1] ?? from;
    return { from, to, mid: (from + to) / 2, count };
  });
}

/** An SVG polyline through counts, scaled to a width × height box (y grows downwards). */
export function sparklinePoints(counts: readonly number[], width: number, height: number): string {
  if (!counts.length) return '';
  const peak = Math.max(...counts) || 1;
  const step = counts.length > 1 ? width / (counts.length - 1) : 0;
  return counts.map((c, i) => `${round(i * step)},${round(height - (c / peak) * height)}`).join(' ');
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
