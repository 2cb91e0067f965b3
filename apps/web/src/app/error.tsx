'use client';

import { ErrorPanel } from '../components/ErrorPanel';

export default function PageError({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <div style={{ display: 'grid', gap: 12, maxWidth: 720 }}>
      <ErrorPanel error={error} what="this page" />
      <div>
        <button type="button" className="btn" onClick={reset}>
          Try again
        </button>
      </div>
    </div>
  );
}
