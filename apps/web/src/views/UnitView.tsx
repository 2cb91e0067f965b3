'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { ErrorPanel } from '../components/ErrorPanel';
import { HistogramChart } from '../components/HistogramChart';
import { Breadcrumbs, PageHeader, Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { advice } from '../lib/commands';
import { formatCount, formatNumber, formatPercent } from '../lib/format';
import { argmaxBox } from '../lib/geometry';
import { routes, versionRef, type UnitPath } from '../lib/routes';
import type { UnitDetail } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';
import { RequestButton } from '../components/RequestButton';
import { latestJob } from '../lib/jobs';
import { coversUnit, newestPerObjective } from '../lib/pictures';
import { useStudyJobs } from '../hooks/useStudyJobs';
import { UnitMatches } from './UnitMatches';
import { UnitTrajectory } from './UnitTrajectory';
import { UnitTuning } from './UnitTuning';
import styles from '../app/pages.module.css';

type Stats = UnitDetail['stats'][number];

export function UnitView({ path, dataset }: { path: UnitPath; dataset?: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const router = useRouter();
  const ref = { study: path.study, model: path.model, version: path.version };
  const unit = useQuery(trpc.units.get.queryOptions({ ...ref, layer: path.layer, unit: path.unit, dataset }));
  const renders = useQuery(trpc.renders.forUnit.queryOptions({ ...ref, layer: path.layer, unit: path.unit }));
  const study = useQuery(trpc.studies.get.queryOptions({ study: path.study }));
  const versionId = study.data?.models.find((m) => m.name === path.model)?.versions.find((v) => v.label === path.version)?.id;
  // Refreshed while tuning, comparison or render work runs, so the sections below follow it.
  const jobs = useStudyJobs(path.study, (j) => j.kind === 'tuning' || j.kind === 'compare' || j.kind === 'visualize');
  const unitCount = unit.data?.layer.unitCount;
  const prev = path.unit > 0 ? routes.unit({ ...path, unit: path.unit - 1 }, dataset) : null;
  const next = unitCount !== undefined && path.unit + 1 < unitCount ? routes.unit({ ...path, unit: path.unit + 1 }, dataset) : null;

  // "[" and "]" step through a layer's units, as in the original Microscope.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey || (e.target as HTMLElement).closest('input, select, textarea')) return;
      if (e.key === '[' && prev) router.push(prev);
      if (e.key === ']' && next) router.push(next);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [prev, next, router]);

  const crumbs = (
    <Breadcrumbs
      items={[
        { label: 'Studies', href: routes.home() },
        { label: path.study, href: routes.study(path.study) },
        { label: versionRef(path.model, path.version), href: routes.version(path, dataset) },
        { label: path.layer, href: routes.layer(path, { dataset }) },
        { label: `unit ${path.unit}` },
      ]}
    />
  );
  if (unit.error) {
    return (
      <>
        {crumbs}
        <ErrorPanel error={unit.error} what={`unit ${path.unit} of ${path.layer}`} />
      </>
    );
  }
  if (!unit.data) return crumbs;
  const data = unit.data;
  const pictures = newestPerObjective(renders.data ?? []);
  const renderJob = latestJob(jobs.data ?? [], (j) => j.params.kind === 'visualize' && j.params.versionId === versionId && j.params.layer === path.layer && coversUnit(j.params, path.unit));
  const byPooling = new Map(data.stats.map((s) => [s.pooling, s]));

  return (
    <>
      {crumbs}
      <PageHeader
        eyebrow={`Unit of ${data.layer.name} · ${versionRef(data.model, data.version)}`}
        title={`Unit ${path.unit}`}
        actions={
          <nav className={styles.unitNav} aria-label="Neighbouring units">
            {prev ? (
              <Link className="btn btn-small" href={prev} aria-keyshortcuts="[" title="Previous unit ( [ )">
                ← {path.unit - 1}
              </Link>
            ) : null}
            <Link className="btn btn-small" href={routes.layer(path, { dataset })}>
              All {formatCount(data.layer.unitCount)} units
            </Link>
            {next ? (
              <Link className="btn btn-small" href={next} aria-keyshortcuts="]" title="Next unit ( ] )">
                {path.unit + 1} →
              </Link>
            ) : null}
          </nav>
        }
      >
        <p>
          Probe set <span className="mono">{data.dataset}</span> · layer output {data.layer.outputShape.join(' × ')} · keys <kbd>[</kbd> <kbd>]</kbd> step through units
        </p>
      </PageHeader>

      <div className={styles.twoColumn}>
        <Section title="Feature visualizations" aside={pictures.length ? `${pictures.length} objective${pictures.length === 1 ? '' : 's'} rendered` : undefined}>
          {renders.error ? (
            <ErrorPanel error={renders.error} what="renders" />
          ) : pictures.length > 0 ? (
            <div className={styles.renders}>
              {pictures.map((r) => (
                <figure key={r.key}>
                  {/* eslint-disable-next-line @next/next/no-img-element -- immutable blobs with their own cache headers */}
                  <img src={routes.blob(r.key)} alt={`${r.objective} visualization of unit ${path.unit}`} width={160} height={160} />
                  <figcaption>{r.objective}</figcaption>
                </figure>
              ))}
            </div>
          ) : (
            <Missing
              compact
              title="Channel, neuron, negative and diversity visualizations: none rendered yet."
              advice={advice.visualize(path.study, path.model, path.version, path.layer)}
              action={
                <RequestButton
                  label="Render this unit"
                  what={`the channel visualization of unit ${path.unit}`}
                  jobs={renderJob ? [renderJob] : []}
                  studyJobs={jobs.data ?? []}
                  request={async () => [(await client.jobs.requestRender.mutate({ ...ref, layer: path.layer, units: [path.unit] })).job]}
                  onEnded={() => void queryClient.invalidateQueries({ queryKey: trpc.renders.forUnit.queryKey() })}
                />
              }
            />
          )}
        </Section>
        <Section title="Statistics" aside={data.stats[0] ? `${formatCount(data.stats[0].count)} images` : undefined} flush>
          {data.stats.length ? (
            <StatsTable max={byPooling.get('max')} mean={byPooling.get('mean')} />
          ) : (
            <div className={styles.pad}>
              <Missing compact title="No statistics for this unit yet." advice={advice.activations(path.study, path.model, path.version, dataset)} />
            </div>
          )}
        </Section>
      </div>

      <Section title="Dataset examples" aside={data.topK.length ? `top ${data.topK.length} by spatial maximum; the box marks where it peaked` : undefined}>
        {data.topK.length ? (
          <div className={styles.examples}>
            {data.topK.map((t) => {
              const box = argmaxBox(t);
              return (
                <figure key={t.rank} className={styles.example}>
                  <div className={styles.exampleImage}>
                    {t.imageKey ? (
                      // eslint-disable-next-line @next/next/no-img-element -- immutable blobs with their own cache headers
                      <img className="pixelated" src={routes.blob(t.imageKey)} alt={`Probe image ${t.imageIndex}${t.label ? ` (${t.label})` : ''}, rank ${t.rank + 1}`} loading="lazy" />
                    ) : null}
                    <span
                      className={styles.argmax}
                      style={{ left: `${box.left}%`, top: `${box.top}%`, width: `${box.width}%`, height: `${box.height}%` }}
                      title={`maximum at row ${t.argmaxY}, column ${t.argmaxX} of the ${t.gridHeight} × ${t.gridWidth} output grid`}
                    />
                  </div>
                  <figcaption>
                    <span className="num">{formatNumber(t.value, 3)}</span>
                    <span className="muted" title={`image ${t.imageIndex}`}>
                      {t.label || `#${t.imageIndex}`}
                    </span>
                  </figcaption>
                </figure>
              );
            })}
          </div>
        ) : (
          <Missing compact title="No dataset examples yet." advice={advice.activations(path.study, path.model, path.version, dataset)} />
        )}
      </Section>

      <Section title="Activation distribution" aside="over every probe image">
        {data.stats.length ? (
          <div className={styles.charts}>
            {(['max', 'mean'] as const).map((p) => {
              const s = byPooling.get(p);
              return s ? (
                <div key={p}>
                  <p className={styles.chartTitle}>{p}-pooled</p>
                  <HistogramChart histogram={s.histogram} label={`Histogram of unit ${path.unit}'s ${p}-pooled activation`} />
                </div>
              ) : null;
            })}
          </div>
        ) : (
          <Missing compact title="No histogram yet." advice={advice.activations(path.study, path.model, path.version, dataset)} />
        )}
      </Section>

      <UnitTuning path={path} versionId={versionId} jobs={jobs.data ?? []} />
      <UnitMatches path={path} dataset={data.dataset} jobs={jobs.data ?? []} />
      <UnitTrajectory path={path} dataset={data.dataset} detail={study.data} jobs={jobs.data ?? []} />
    </>
  );
}

function StatsTable({ max, mean }: { max?: Stats; mean?: Stats }) {
  const rows: [string, (s: Stats) => string][] = [
    ['Images', (s) => formatCount(s.count)],
    ['Mean', (s) => formatNumber(s.mean)],
    ['Std. deviation', (s) => formatNumber(s.std)],
    ['Minimum', (s) => formatNumber(s.min)],
    ['Maximum', (s) => formatNumber(s.max)],
    ['Active (> 0)', (s) => formatPercent(s.fractionPositive, 1)],
  ];
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Statistic</th>
          <th scope="col" className="num">
            max-pooled
          </th>
          <th scope="col" className="num">
            mean-pooled
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, f]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td className="num">{max ? f(max) : '—'}</td>
            <td className="num">{mean ? f(mean) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
