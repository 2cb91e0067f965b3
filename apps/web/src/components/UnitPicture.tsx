import { routes } from '../lib/routes';
import styles from './ui.module.css';

/**
 * A unit's feature visualization from the blob store, or a placeholder of the same size that names the unit and
 * says it has no picture yet (so tables of matches keep their shape before anything is rendered).
 */
export function UnitPicture({ blobKey, unit, alt, size = 72 }: { blobKey: string | undefined; unit: number; alt: string; size?: number }) {
  if (blobKey) {
    // eslint-disable-next-line @next/next/no-img-element -- immutable blobs with their own cache headers
    return <img className={styles.picture} src={routes.blob(blobKey)} alt={alt} width={size} height={size} loading="lazy" decoding="async" />;
  }
  return (
    <span className={styles.noPicture} style={{ width: size, height: size }} role="img" aria-label={`${alt}: not rendered yet`}>
      <strong>#{unit}</strong>
      {size >= 56 && <span>not rendered</span>}
    </span>
  );
}
