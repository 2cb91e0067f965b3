'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorPanel } from '../components/ErrorPanel';
import { Breadcrumbs, PageHeader, Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { useStudyJobs } from '../hooks/useStudyJobs';
import { advice } from '../lib/commands';
import { routes, versionRef, type CompareQuery } from '../lib/routes';
import { METRICS } from '../lib/similarity';
import { useTRPC } from '../trpc/react';
import { ComparePair } from './ComparePair';
import { StudyMatrix } from './StudyMatrix';
import styles from '../app/pages.module.css';

export interface CompareState extends CompareQuery {
  a?: string;
  b?: string;
}

/**
 * The comparison views: two versions' layer × layer similarity (a heatmap whose cells open the unit matching
 * table of that layer pair), or every layer of every version of the study at once. Everything the page shows
 * is in its URL.
 */
export function CompareView({ study, initial }: { study: string; initial: CompareState }) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.studies.get.queryOptions({ study }));
  const jobs = useStudyJobs(study, (j) => j.kind === 'compare' || j.kind === 'activations');
  const options = (detail.data?.models ?? []).flatMap((m) => [...m.versions].sort((x, y) => x.ordinal - y.ordinal).map((v) => versionRef(m.name, v.label)));
  const [view, setView] = useState<CompareState>(initial);
  const a = view.a ?? options[0] ?? '';
  const b = view.b ?? options.find((o) => o !== a) ?? '';

  const update = (next: Partial<CompareState>) => {
    const merged = { ...view, a, b, ...next };
    setView(merged);
    const { a: na, b: nb, ...rest } = merged;
    window.history.replaceState(null, '', routes.compare(study, rest.scope === 'study' ? undefined : na || undefined, rest.scope === 'study' ? undefined : nb || undefined, rest));
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
  const data = detail.data;
  const datasets = data.datasets.map((d) => d.name);
  const scopeStudy = view.scope === 'study';

  const select = (id: string, label: string, value: string, onChange: (v: string) => void, choices: { value: string; label: string }[], empty?: string) => (
    <label className={`${styles.control} ${styles.stacked}`} htmlFor={id}>
      {label}
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {empty !== undefined && <option value="">{empty}</option>}
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
  const versionChoices = options.map((o) => ({ value: o, label: o }));

  return (
    <>
      {crumbs}
      <PageHeader eyebrow="Compare" title="Layer × layer similarity">
        <p>
          Which layers of two networks represent the probe images alike — two seeds, two checkpoints of one run, or two architectures — and, for a pair of layers, which unit of one
          matches which unit of the other.
        </p>
      </PageHeader>
      <nav className={styles.tabs} aria-label="What to compare">
        <button type="button" className={styles.tab} aria-current={!scopeStudy ? 'page' : undefined} onClick={() => update({ scope: undefined })}>
          Two versions
        </button>
        <button type="button" className={styles.tab} aria-current={scopeStudy ? 'page' : undefined} onClick={() => update({ scope: 'study', layer: undefined, other: undefined })}>
          Whole study
        </button>
      </nav>
      {options.length < 2 ? (
        <Missing title="A comparison needs at least two model versions in the study." advice={advice.addModel(study)} />
      ) : (
        <>
          <Section title={scopeStudy ? 'Every version' : 'Versions'}>
            <div className={styles.pickers}>
              {!scopeStudy && (
                <>
                  {select('compare-a', 'Version A (rows)', a, (v) => update({ a: v, layer: undefined, other: undefined }), versionChoices, 'choose a version…')}
                  <button type="button" className="btn" onClick={() => update({ a: b, b: a, layer: view.other, other: view.layer })} aria-label="Swap versions A and B">
                    ⇄ Swap
                  </button>
                  {select('compare-b', 'Version B (columns)', b, (v) => update({ b: v, layer: undefined, other: undefined }), versionChoices, 'choose a version…')}
                </>
              )}
              {select('compare-metric', 'Metric', view.metric ?? METRICS[0].value, (v) => update({ metric: v }), METRICS.map((m) => ({ value: m.value, label: m.label })))}
              {datasets.length > 1 && select('compare-dataset', 'Probe set', view.dataset ?? datasets[0], (v) => update({ dataset: v, layer: undefined, other: undefined }), datasets.map((d) => ({ value: d, label: d })))}
            </div>
            <p className={styles.hint}>{METRICS.find((m) => m.value === (view.metric ?? METRICS[0].value))?.hint}</p>
          </Section>
          {scopeStudy ? (
            <StudyMatrix study={study} detail={data} jobs={jobs.data ?? []} metric={view.metric} dataset={view.dataset} onOpen={(cell) => update({ scope: undefined, ...cell })} />
          ) : a && b && a !== b ? (
            <ComparePair
              study={study}
              detail={data}
              jobs={jobs.data ?? []}
              a={a}
              b={b}
              metric={view.metric}
              dataset={view.dataset}
              cell={view.layer && view.other ? { layer: view.layer, other: view.other } : null}
              onCell={(cell) => update(cell ?? { layer: undefined, other: undefined })}
            />
          ) : (
            <Missing title="Choose two different versions to compare." />
          )}
        </>
      )}
    </>
  );
}
