import Link from 'next/link';
import type { ReactNode } from 'react';
import styles from './ui.module.css';

export interface Crumb {
  label: string;
  href?: string;
}

/** Where a page sits: study › model › version › layer › unit, each a link but the last. */
export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb">
      <ol className={styles.crumbs}>
        {items.map((item, i) => (
          <li key={`${i}-${item.label}`}>
            {item.href && i < items.length - 1 ? (
              <Link href={item.href}>{item.label}</Link>
            ) : (
              <span aria-current={i === items.length - 1 ? 'page' : undefined}>{item.label}</span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function PageHeader({ eyebrow, title, children, actions }: { eyebrow?: string; title: ReactNode; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className={styles.pageHeader}>
      <div className={styles.pageHeaderText}>
        {eyebrow && <div className={styles.eyebrow}>{eyebrow}</div>}
        <h1>{title}</h1>
        {children}
      </div>
      {actions && <div className={styles.actions}>{actions}</div>}
    </div>
  );
}

/** A titled panel. `flush` lets tables run edge to edge. */
export function Section({
  title,
  aside,
  tools,
  flush,
  id,
  children,
}: {
  title: string;
  aside?: ReactNode;
  tools?: ReactNode;
  flush?: boolean;
  id?: string;
  children: ReactNode;
}) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className={styles.section} id={id} aria-labelledby={headingId}>
      <div className={styles.sectionHead}>
        <h2 id={headingId}>{title}</h2>
        {aside && <span className={styles.sectionAside}>{aside}</span>}
        {tools && <div className={styles.sectionTools}>{tools}</div>}
      </div>
      <div className={flush ? styles.sectionFlush : styles.sectionBody}>{children}</div>
    </section>
  );
}

export function KeyValues({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className={styles.kv}>
      {items.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function StatList({ items, label }: { items: [string, ReactNode][]; label?: string }) {
  return (
    <dl className={styles.stats} aria-label={label}>
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
