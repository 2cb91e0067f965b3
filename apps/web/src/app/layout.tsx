import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { AppHeader } from '../components/AppHeader';
import styles from '../components/ui.module.css';
import { themeBootScript } from '../lib/theme';
import { TRPCReactProvider } from '../trpc/react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Microscope', template: '%s · Microscope' },
  description: 'Every layer and unit of every model version in a study, and how they compare.',
};

export const viewport: Viewport = { colorScheme: 'light dark' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeBootScript }} />
      </head>
      <body>
        <TRPCReactProvider>
          <AppHeader />
          <main id="content" className={styles.main}>
            {children}
          </main>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
