'use client';

import { useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { normalise, sequentialColor, textOn } from '../lib/color';
import { formatNumber } from '../lib/format';
import { moveCell, type CellPosition } from '../lib/heatmap-nav';
import styles from './heatmap.module.css';

export interface HeatmapProps {
  /** Row labels (e.g. layers of version A), top to bottom. */
  rows: string[];
  /** Column labels (layers of version B), left to right. */
  columns: string[];
  /** values[r][c]; null where nothing is computed. */
  values: (number | null)[][];
  rowTitle: string;
  columnTitle: string;
  /** The value range the colours span; defaults to the data's. */
  domain?: [number, number];
  /** Makes the cells a keyboard-navigable grid: arrows move, Enter or a click selects a computed cell. */
  onSelect?: (cell: CellPosition) => void;
  selected?: CellPosition | null;
  showValues?: boolean;
  /** Indices where a new block of rows (and columns) starts: a version's layers in a study-wide matrix. */
  groupStarts?: number[];
  /** Smaller cells, for matrices of many layers. */
  dense?: boolean;
}

const key = (r: number, c: number) => `${r}:${c}`;

/**
 * Layer × layer similarity: one coloured cell per pair, each labelled with both layers and its value. With
 * `onSelect` it is an ARIA grid with one tab stop (the selected cell, else the first computed one) and
 * spreadsheet keys; otherwise a plain table.
 */
export function Heatmap({ rows, columns, values, rowTitle, columnTitle, domain, onSelect, selected, showValues, groupStarts = [], dense = false }: HeatmapProps) {
  const flat = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = domain ?? (flat.length ? [Math.min(...flat), Math.max(...flat)] : [0, 1]);
  const withValues = showValues ?? (!dense && columns.length <= 16);
  const interactive = !!onSelect;
  const firstComputed = (() => {
    for (let r = 0; r < rows.length; r++) for (let c = 0; c < columns.length; c++) if (values[r]?.[c] != null) return { row: r, column: c };
    return { row: 0, column: 0 };
  })();
  const [focus, setFocus] = useState<CellPosition | null>(null);
  // One tab stop: the cell last focused, else the selected one, else the first computed (a grid whose layers
  // changed may no longer have the first two).
  const inside = (p: CellPosition | null | undefined): p is CellPosition => !!p && p.row >= 0 && p.row < rows.length && p.column >= 0 && p.column < columns.length;
  const stop = inside(focus) ? focus : inside(selected) ? selected : firstComputed;
  const gridRef = useRef<HTMLDivElement>(null);
  const groups = new Set(groupStarts.filter((g) => g > 0));
  const style = { '--columns': columns.length, '--cell': dense ? '16px' : '44px', '--cell-min': dense ? '12px' : '28px' } as CSSProperties;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = (e.target as HTMLElement).closest<HTMLElement>('[data-cell]');
    if (!target) return;
    const [row, column] = target.dataset.cell!.split(':').map(Number);
    const next = moveCell({ row, column }, e.key, rows.length, columns.length, { ctrl: e.ctrlKey || e.metaKey });
    if (!next) return;
    e.preventDefault();
    setFocus(next);
    gridRef.current?.querySelector<HTMLElement>(`[data-cell="${key(next.row, next.column)}"]`)?.focus();
  };

  return (
    <figure className={styles.figure}>
      <div
        ref={gridRef}
        className={`${styles.grid} ${dense ? styles.dense : ''}`}
        style={style}
        role={interactive ? 'grid' : 'table'}
        aria-label={`${rowTitle} × ${columnTitle} similarity`}
        aria-rowcount={rows.length + 1}
        onKeyDown={interactive ? onKeyDown : undefined}
      >
        <div role="row" className={styles.row}>
          <span role="columnheader" className={styles.corner}>
            <span className="muted">
              {rowTitle} ↓ · {columnTitle} →
            </span>
          </span>
          {columns.map((c, j) => (
            <span role="columnheader" key={`${j}-${c}`} className={`${styles.colHead} ${groups.has(j) ? styles.groupLeft : ''}`} title={c}>
              <span>{c}</span>
            </span>
          ))}
        </div>
        {rows.map((r, i) => (
          <div role="row" key={`${i}-${r}`} className={styles.row}>
            <span role="rowheader" className={`${styles.rowHead} ${groups.has(i) ? styles.groupTop : ''}`} title={r}>
              {r}
            </span>
            {columns.map((c, j) => {
              const v = values[i]?.[j] ?? null;
              const label = `${r} × ${c}: ${v === null ? 'not computed' : formatNumber(v, 3)}`;
              const t = v === null ? 0 : normalise(v, lo, hi);
              const isSelected = selected?.row === i && selected?.column === j;
              const classes = [
                styles.cell,
                v === null ? styles.empty : '',
                isSelected ? styles.selected : '',
                groups.has(j) ? styles.groupLeft : '',
                groups.has(i) ? styles.groupTop : '',
              ].join(' ');
              const cellStyle = v === null ? undefined : { background: sequentialColor(t), color: textOn(t) };
              const text = v !== null && withValues ? formatNumber(v, 2) : '';
              if (!interactive) {
                return (
                  <span role="cell" key={`${j}-${c}`} className={classes} style={cellStyle} title={label} aria-label={label}>
                    {text}
                  </span>
                );
              }
              return (
                <span role="gridcell" key={`${j}-${c}`} className={classes} style={cellStyle} aria-selected={isSelected}>
                  <button
                    type="button"
                    data-cell={key(i, j)}
                    tabIndex={stop.row === i && stop.column === j ? 0 : -1}
                    aria-label={label}
                    aria-disabled={v === null || undefined}
                    title={label}
                    onFocus={() => setFocus({ row: i, column: j })}
                    onClick={() => v !== null && onSelect?.({ row: i, column: j })}
                  >
                    {text}
                  </button>
                </span>
              );
            })}
          </div>
        ))}
      </div>
      {flat.length > 0 && (
        <figcaption className={styles.legend}>
          <span className="num">{formatNumber(lo, 3)}</span>
          <span className={styles.ramp} aria-hidden="true" />
          <span className="num">{formatNumber(hi, 3)}</span>
          {interactive && <span className="muted">Arrow keys move between cells; Enter opens a pair’s unit matches.</span>}
        </figcaption>
      )}
    </figure>
  );
}
