import { sparklinePoints } from '../lib/geometry';
import styles from './ui.module.css';

/** A histogram's shape in a few pixels: the layer grid's stand-in when a unit has no rendered picture. */
export function Sparkline({ counts, width = 88, height = 40, label }: { counts: readonly number[]; width?: number; height?: number; label?: string }) {
  const points = sparklinePoints(counts, width, height - 2);
  return (
    <svg className={styles.sparkline} width={width} height={height} viewBox={`0 -1 ${width} ${height}`} role={label ? 'img' : undefined} aria-label={label} aria-hidden={label ? undefined : true}>
      {points && (
        <>
          <polygon points={`0,${height - 2} ${points} ${width},${height - 2}`} fill="currentColor" opacity="0.16" />
          <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
        </>
      )}
    </svg>
  );
}
