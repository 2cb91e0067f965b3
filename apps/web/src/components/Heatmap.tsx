import type { CSSProperties } from 'react';
import { normalise, sequentialColor, textOn } from '../lib/color';
import { formatNumber } from '../lib/format';
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
  /** A link per cell (the unit-matching table of that layer pair). */
  cellHref?: (row: number, column: number) => string | null;
  showValues?: boolean;
}

/** Layer × layer similarity: one coloured cell per pair, each a labelled link when it leads somewhere. */
export function Heatmap({ rows, columns, values, rowTitle, columnTitle, domain, cellHref, showValues = columns.length <= 16 }: HeatmapProps) {
  const flat = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = domain ?? (flat.length ? [Math.min(...flat), Math.max(...flat)] : [0, 1]);
  const style = { '--columns': columns.length } as CSSProperties;
  return (
    <figure className={styles.figure}>
      <div className={styles.grid} style={style} role="table" aria-label={`${rowTitle} × ${columnTitle} similarity`}>
        <div role="row" className={styles.row}>
          <span role="columnheader" className={styles.corner}>
            <span className="muted">
              {rowTitle} ↓ · {columnTitle} →
            </span>
          </span>
          {columns.map((c) => (
            <span role="columnheader" key={c} className={styles.colHead} title={c}>
              <span>{c}</span>
            </span>
          ))}
        </div>
        {rows.map((r, i) => (
          <div role="row" key={r} className={styles.row}>
            <span role="rowheader" className={styles.rowHead} title={r}>
              {r}
            </span>
            {columns.map((c, j) => {
              const v = values[i]?.[j] ?? null;
              const label = `${r} × ${c}: ${v === null ? 'not computed' : formatNumber(v, 3)}`;
              if (v === null) return <span role="cell" key={c} className={`${styles.cell} ${styles.empty}`} title={label} aria-label={label} />;
              const t = normalise(v, lo, hi);
              const cellStyle = { background: sequentialColor(t), color: textOn(t) };
              const href = cellHref?.(i, j);
              const text = showValues ? formatNumber(v, 2) : '';
              return (
                <span role="cell" key={c} className={styles.cell} style={cellStyle} title={label}>
                  {href ? (
                    <a href={href} aria-label={label} style={{ color: 'inherit' }}>
                      {text}
                    </a>
                  ) : (
                    <span aria-label={label}>{text}</span>
                  )}
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
        </figcaption>
      )}
    </figure>
  );
}
