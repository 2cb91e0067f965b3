import Link from 'next/link';
import { routes } from '../lib/routes';
import { LensIcon } from './icons';
import { ThemeToggle } from './ThemeToggle';
import styles from './ui.module.css';

export function AppHeader() {
  return (
    <header className={styles.header}>
      <a className={styles.skip} href="#content">
        Skip to content
      </a>
      <div className={styles.headerInner}>
        <Link href={routes.home()} className={styles.brand}>
          <LensIcon />
          Microscope
        </Link>
        <nav className={styles.nav} aria-label="Main">
          <Link href={routes.home()}>Studies</Link>
        </nav>
        <span className={styles.spacer} />
        <ThemeToggle />
      </div>
    </header>
  );
}
