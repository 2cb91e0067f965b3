import { serverErrorInfo } from '../lib/server-errors';
import styles from './ui.module.css';

/** A failed query: the server's own message (it says what to do), its code, and what was being loaded. */
export function ErrorPanel({ error, what }: { error: unknown; what: string }) {
  const info = serverErrorInfo(error);
  return (
    <div className={styles.error} role="alert">
      <strong>Could not load {what}.</strong> {info.message}
      {info.code && <span className="muted"> ({info.code})</span>}
    </div>
  );
}
