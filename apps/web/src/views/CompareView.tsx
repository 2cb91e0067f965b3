'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorPanel } from '../components/ErrorPanel';
import { Heatmap } from '../components/Heatmap';
import { Breadcrumbs, PageHeader, Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { advice } from '../lib/commands';
import { parseVersionRef, routes, versionRef } from '../lib/routes';
import { useTRPC } from '../trpc/react';
import styles from '../app/pages.module.css';

/** Similarity measures the comparison job is to provide; chosen here, computed there. */
const METRICS = [
  { value: 'cka', label: 'Linear CKA' },
  { value: 'svcca', label: 'SVCCA' },
  { value: 'max-corr', label: 'Mean best-match correlation' },
];

export function CompareView({ study, a: initialA, b: initialB }: { study: string; a?: string; b?: string }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.studies.get.queryOptions({ study }));
  const options = (detail.data?.models ?? []).flatMap((m) => [...m.versions].sort((x, y) => x.ordinal - y.ordinal).map((v) => versionRef(m.name, v.label)));
  const [a, setA] = useState(initialA ?? options[0] ?? '');
  const [b, setB] = useState(initialB ?? options.find((o) => o !== (initialA ?? options[0])) ?? '');
  const [metric, setMetric] = useState(METRICS[0].value);
  const refA = parseVersionRef(a);
  const refB = parseVersionRef(b);
  const layersA = useQuery({ ...trpc.versions.get.queryOptions({ study, ...(refA ?? { model: '-', version: '-' }) }), enabled: !!refA });
  const layersB = useQuery({ ...trpc.versions.get.queryOptions({ study, ...(refB ?? { model: '-', version: '-' }) }), enabled: !!refB });

  const choose = (nextA: string, nextB: string) => {
    setA(nextA);
    setB(nextB);
    window.history.replaceState(null, '', routes.compare(study, nextA || undefined, nextB || undefined));
  };

  const crumbs = <Breadcrumbs items={[{ label: 'Studies', href: routes.home() }, { label: study, href: routes.study(study) }, { label: 'compare' }]} />;
  if (detail.error) {
    return (
      <>
        {crumbs}
        <ErrorPanel error={detail.error} what={`study “${study}”`} />
      </>
    );
  }
  if (!detail.data) return crumbs;

  const picker = (id: string, label: string, value: string, onChange: (v: string) => void) => (
    <label className={styles.control} htmlFor={id} style={{ flexDirection: 'column', alignItems: 'flex-start' }}>
      {label}
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">choose a version…</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <>
      {crumbs}
      <PageHeader eyebrow="Compare" title="Layer × layer similarity">
        <p>Pick two versions — two seeds, or two checkpoints of one run — to see which of their layers represent the probe images alike.</p>
      </PageHeader>
      <Section title="Versions">
        {options.length < 2 ? (
          <Missing title="A comparison needs at least two model versions in the study." advice={advice.addModel(study)} />
        ) : (
          <div className={styles.pickers}>
            {picker('compare-a', 'Version A (rows)', a, (v) => choose(v, b))}
            <button type="button" className="btn" onClick={() => choose(b, a)} aria-label="Swap versions A and B">
              ⇄ Swap
            </button>
            {picker('compare-b', 'Version B (columns)', b, (v) => choose(a, v))}
            <label className={styles.control} htmlFor="compare-metric" style={{ flexDirection: 'column', alignItems: 'flex-start' }}>
              Metric
              <select id="compare-metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
                {METRICS.map((m) => (
                  <option key={m.value} value={m.value}>
                    {m.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
      </Section>
      {refA && refB && (
        <Section title={`${a} × ${b}`} aside={METRICS.find((m) => m.value === metric)?.label}>
          <div style={{ display: 'grid', gap: 12 }}>
            <Missing compact title="Layer similarity for this pair is not computed yet; the grid below shows the layers it will cover." advice={advice.compare(study)}>
              Clicking a cell will open the unit matching table for that pair of layers, with both units’ pictures side by side.
            </Missing>
            {layersA.error && <ErrorPanel error={layersA.error} what={a} />}
            {layersB.error && <ErrorPanel error={layersB.error} what={b} />}
            {layersA.data && layersB.data && (
              <Heatmap rows={layersA.data.layers.map((l) => l.name)} columns={layersB.data.layers.map((l) => l.name)} values={[]} rowTitle={a} columnTitle={b} />
            )}
          </div>
        </Section>
      )}
    </>
  );
}
