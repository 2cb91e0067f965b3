import type { JobStatus } from '../lib/jobs';
import { formatPercent } from '../lib/format';
import styles from './ui.module.css';

export function StatusBadge({ status }: { status: JobStatus | 'none' }) {
  const label = status === 'none' ? 'not run' : status;
  return <span className={`${styles.badge} ${styles[`badge_${status}`]}`}>{label}</span>;
}

export function ProgressBar({ value, status, label }: { value: number; status?: JobStatus; label: string }) {
  const pct = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className={styles.progress} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={label} title={formatPercent(value)}>
      <div className={`${styles.progressFill} ${status ? (styles[`progressFill_${status}`] ?? '') : ''}`} style={{ width: `${pct}%` }} />
    </div>
  );
}
