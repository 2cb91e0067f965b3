'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';

/** Switches the probe set a page's statistics are computed over; the choice is part of the URL. */
export function DatasetPicker({ datasets, current }: { datasets: string[]; current?: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  return (
    <label className="control" style={{ display: 'inline-flex', gap: 6, alignItems: 'center' }}>
      <span className="muted">Probe set</span>
      <select
        value={current ?? datasets[0]}
        onChange={(e) => {
          const params = new URLSearchParams(search.toString());
          params.set('dataset', e.target.value);
          router.push(`${pathname}?${params.toString()}`);
        }}
      >
        {datasets.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
    </label>
  );
}
