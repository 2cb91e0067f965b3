import styles from './pages.module.css';

/** Shown while a page's data arrives from the API (streamed right after the header). */
export default function Loading() {
  return (
    <div className={styles.loading} role="status" aria-live="polite">
      <div className={styles.skeletonTitle} />
      <div className={styles.skeletonBlock} />
      <span className="visually-hidden">Loading…</span>
    </div>
  );
}
