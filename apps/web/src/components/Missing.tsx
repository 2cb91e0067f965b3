import type { ReactNode } from 'react';
import type { Advice } from '../lib/commands';
import { CopyButton } from './CopyButton';
import styles from './ui.module.css';

/**
 * What a page cannot show yet, why, and the command that produces it (and, as `action`, a button that requests
 * it). Never a blank: every empty state in the dashboard goes through here.
 */
export function Missing({ title, children, advice, compact, action }: { title: string; children?: ReactNode; advice?: Advice; compact?: boolean; action?: ReactNode }) {
  return (
    <div className={`${styles.missing} ${compact ? styles.missingCompact : ''}`} role="note">
      <strong>{title}</strong>
      {children && <p>{children}</p>}
      {action && <div className={styles.missingAction}>{action}</div>}
      {advice && (
        <>
          <p>Produced by {advice.producer}; from a terminal:</p>
          <div className={styles.command}>
            <code>{advice.command}</code>
            <CopyButton text={advice.command} />
          </div>
        </>
      )}
    </div>
  );
}
