import type { ReactNode } from 'react';
import type { Advice } from '../lib/commands';
import { CopyButton } from './CopyButton';
import styles from './ui.module.css';

/**
 * What a page cannot show yet, why, and the command that produces it. Never a blank: every empty state in the
 * dashboard goes through here.
 */
export function Missing({ title, children, advice, compact, action }: { title: string; children?: ReactNode; advice?: Advice; compact?: boolean; action?: ReactNode }) {
  return (
    <div className={`${styles.missing} ${compact ? styles.missingCompact : ''}`} role="note">
      <strong>{title}</strong>
      {children && <p>{children}</p>}
      {advice && (
        <>
          <p>
            Produced by {advice.producer}.{' '}
            {!advice.ready && <span className={styles.pending}>This job is still being built; once it lands, run:</span>}
          </p>
          <div className={styles.command}>
            <code>{advice.command}</code>
            <CopyButton text={advice.command} />
            {action}
          </div>
        </>
      )}
      {!advice && action && <div className={styles.command}>{action}</div>}
    </div>
  );
}
