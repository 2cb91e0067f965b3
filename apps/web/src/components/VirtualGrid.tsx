'use client';

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { gridGeometry, moveIndex, visibleRange, type VisibleRange } from '../lib/virtual-grid';
import styles from './grid.module.css';

export interface TileSize {
  width: number;
  height: number;
  gap: number;
}

/** What the server assumes before the browser measures: a desktop window with the grid a little way down. */
const ASSUMED = { width: 1200, top: -320, height: 900 };
const OVERSCAN_ROWS = 3;
/** Room left for the sticky header when a keyboard move scrolls a row into view. */
const HEADER_ROOM = 64;

// useLayoutEffect warns during server rendering; the measurement only matters in the browser.
const useIsoLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;

/**
 * A grid of `count` tiles that keeps only the rows near the viewport in the DOM, scrolled with the page.
 * One tab stop: Tab enters at the last tile used, arrows/Page/Home/End move between tiles (scrolling as
 * needed), Enter opens. `renderTile(position, tabIndex)` must put `data-pos={position}` on the focusable element.
 */
export function VirtualGrid({ count, tile, label, renderTile }: { count: number; tile: TileSize; label: string; renderTile: (position: number, tabIndex: 0 | -1) => ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(ASSUMED.width);
  const geometry = useMemo(() => gridGeometry(count, width, tile), [count, width, tile]);
  const [range, setRange] = useState<VisibleRange>(() => visibleRange(geometry, count, ASSUMED.top, ASSUMED.height, OVERSCAN_ROWS));
  const [active, setActive] = useState(0);
  const pendingFocus = useRef<number | null>(null);

  const measure = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    const rect = el.getBoundingClientRect();
    const g = gridGeometry(count, rect.width, tile);
    setWidth((w) => (w === rect.width ? w : rect.width));
    const next = visibleRange(g, count, -rect.top, window.innerHeight, OVERSCAN_ROWS);
    // Re-render only when the set of rows changes, not on every scrolled pixel.
    setRange((r) => (r.firstIndex === next.firstIndex && r.endIndex === next.endIndex ? r : next));
  }, [count, tile]);

  useIsoLayoutEffect(() => {
    measure();
    let frame = 0;
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(() => ((frame = 0), measure()));
    };
    const observer = new ResizeObserver(schedule);
    if (ref.current) observer.observe(ref.current);
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
    };
  }, [measure]);

  // A keyboard move may target a tile that is not rendered yet: focus it once it is.
  useEffect(() => {
    const pos = pendingFocus.current;
    if (pos === null || !ref.current) return;
    const el = ref.current.querySelector<HTMLElement>(`[data-pos="${pos}"]`);
    if (el) {
      el.focus({ preventScroll: true });
      pendingFocus.current = null;
    }
  });

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const from = Number((e.target as HTMLElement).closest<HTMLElement>('[data-pos]')?.dataset.pos);
    if (!Number.isFinite(from)) return;
    const to = moveIndex(from, e.key, geometry.columns, count, Math.max(1, Math.floor(window.innerHeight / geometry.rowPitch) - 1));
    if (to === null || to === from) return;
    e.preventDefault();
    setActive(to);
    pendingFocus.current = to;
    const el = ref.current!;
    const rowTop = el.getBoundingClientRect().top + window.scrollY + Math.floor(to / geometry.columns) * geometry.rowPitch;
    if (rowTop < window.scrollY + HEADER_ROOM) window.scrollTo({ top: rowTop - HEADER_ROOM });
    else if (rowTop + tile.height > window.scrollY + window.innerHeight) window.scrollTo({ top: rowTop + tile.height - window.innerHeight + 16 });
    measure();
  };

  const tabStop = active >= range.firstIndex && active < range.endIndex ? active : range.firstIndex;
  const tiles: ReactNode[] = [];
  for (let pos = range.firstIndex; pos < range.endIndex; pos++) tiles.push(renderTile(pos, pos === tabStop ? 0 : -1));

  return (
    <div
      ref={ref}
      className={styles.viewport}
      style={{ height: geometry.totalHeight }}
      role="group"
      aria-label={`${label}: ${count} tiles; arrow keys move between them`}
      onKeyDown={onKeyDown}
      onFocus={(e) => {
        const pos = Number((e.target as HTMLElement).closest<HTMLElement>('[data-pos]')?.dataset.pos);
        if (Number.isFinite(pos)) setActive(pos);
      }}
    >
      <div
        className={styles.window}
        style={{
          transform: `translateY(${range.firstRow * geometry.rowPitch}px)`,
          gridTemplateColumns: `repeat(${geometry.columns}, ${tile.width}px)`,
          gridAutoRows: `${tile.height}px`,
          gap: tile.gap,
        }}
      >
        {tiles}
      </div>
    </div>
  );
}
