import type { ReactNode } from 'react';
import styles from './forms.module.css';

export interface FieldControlProps {
  id: string;
  name: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

/**
 * A labelled form control with its hint and the server's error right beneath it, wired for screen readers
 * (the error is announced and linked to the control).
 */
export function Field({ id, label, hint, error, children, optional }: { id: string; label: string; hint?: ReactNode; error?: string; optional?: boolean; children: (props: FieldControlProps) => ReactNode }) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={styles.field}>
      <label htmlFor={id} className={styles.label}>
        {label}
        {optional && <span className={styles.optional}> optional</span>}
      </label>
      {children({ id, name: id, 'aria-invalid': !!error, 'aria-describedby': describedBy })}
      {error && (
        <p id={errorId} className={styles.error} role="alert" data-field-error={id}>
          {error}
        </p>
      )}
      {hint && (
        <p id={hintId} className={styles.hint}>
          {hint}
        </p>
      )}
    </div>
  );
}
