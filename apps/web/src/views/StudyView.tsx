'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Fragment } from 'react';
import { ErrorPanel } from '../components/ErrorPanel';
import { RelativeTime } from '../components/RelativeTime';
import { ProgressBar, StatusBadge } from '../components/JobStatus';
import { Breadcrumbs, PageHeader, Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { advice } from '../lib/commands';
import { formatCount, formatPercent } from '../lib/format';
import { checkpointMatrix, hasActiveJobs, isActive, jobFor, latestJobByCell, statusCounts } from '../lib/jobs';
import { routes, versionRef } from '../lib/routes';
import type { JobView, StudyDetail } from '../trpc/api';
import { useTRPC } from '../trpc/react';
import { RequestActivations } from './RequestActivations';
import styles from '../app/pages.module.css';

/** How often a study with running work refreshes its table. */
const LIVE_MS = 1500;

export function StudyView({ study }: { study: string }) {
  const trpc = useTRPC();
  const detail = useQuery(
    trpc.studies.get.queryOptions({ study }, { refetchInterval: (q) => (q.state.data && hasActiveJobs(q.state.data.jobs) ? LIVE_MS : false) }),
  );
  const crumbs = <Breadcrumbs items={[{ label: 'Studies', href: routes.home() }, { label: study }]} />;
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
  const versionCount = data.models.reduce((n, m) => n + m.versions.length, 0);
  const counts = statusCounts(data.jobs);

  return (
    <>
      {crumbs}
      <PageHeader
        eyebrow="Study"
        title={data.study.name}
        actions={
          <>
            <RequestActivations study={study} disabled={!versionCount || !data.datasets.length} />
            <Link className="btn" href={routes.compare(study)}>
              Compare versions
            </Link>
            <Link className="btn" href={routes.upload(study)}>
              Upload…
            </Link>
          </>
        }
      >
        {data.study.description && <p>{data.study.description}</p>}
        <p className={styles.meta}>
          {data.models.length} models · {versionCount} versions · {data.datasets.length} probe datasets ·{' '}
          {counts.running + counts.queued > 0 ? (
            <span className={styles.live} aria-live="polite">
              {counts.running} running, {counts.queued} queued
            </span>
          ) : (
            <span>
              {counts.succeeded} jobs done{counts.failed ? `, ${counts.failed} failed` : ''}
            </span>
          )}
        </p>
      </PageHeader>

      <Section title="Models × versions" aside="each cell a checkpoint; bars show dataset activations per probe set" flush>
        {data.models.length === 0 ? (
          <div className={styles.pad}>
            <Missing title="This study has no models yet." advice={advice.addModel(study)} action={<Link className="btn btn-small" href={routes.upload(study, 'model')}>Upload a model</Link>} />
          </div>
        ) : (
          <VersionMatrix study={study} data={data} />
        )}
      </Section>

      <div className={styles.twoColumn}>
        <Section title="Recent work" aside={`${data.jobs.length} jobs`} flush>
          <JobsTable data={data} />
        </Section>
        <Section title="Probe datasets" aside={`${data.datasets.length}`} flush>
          {data.datasets.length === 0 ? (
            <div className={styles.pad}>
              <Missing title="No probe images yet." advice={advice.addDataset(study)} action={<Link className="btn btn-small" href={routes.upload(study, 'dataset')}>Upload images</Link>} />
            </div>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Dataset</th>
                  <th scope="col" className="num">
                    Images
                  </th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {data.datasets.map((d) => (
                  <tr key={d.id}>
                    <td className="mono">{d.name}</td>
                    <td className="num">{formatCount(d.imageCount)}</td>
                    <td className={styles.clamp}>{d.description || <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>
    </>
  );
}

function VersionMatrix({ study, data }: { study: string; data: StudyDetail }) {
  const matrix = checkpointMatrix(data.models);
  const latest = latestJobByCell(data.jobs, 'activations');
  return (
    <table className={styles.matrix}>
      <thead>
        <tr>
          <th scope="col">Model</th>
          {Array.from({ length: matrix.columns }, (_, i) => (
            <th scope="col" key={i}>
              Checkpoint {i + 1}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.rows.map(({ model, cells }) => (
          <tr key={model.id}>
            <th scope="row" className={styles.modelCell}>
              <span className="mono">{model.name}</span>
              {model.architecture && <span className={styles.sub}>{model.architecture}</span>}
            </th>
            {cells.map((version, i) => (
              <td key={version?.id ?? `empty-${i}`} className={styles.versionCell}>
                {version ? (
                  <>
                    <div className={styles.versionHead}>
                      <Link href={routes.version({ study, model: model.name, version: version.label })} className={styles.strongLink}>
                        {version.label}
                      </Link>
                      <span className={styles.sub}>
                        {[
                          version.training.epoch !== undefined && `epoch ${version.training.epoch}`,
                          version.training.seed !== undefined && `seed ${version.training.seed}`,
                          version.training.accuracy !== undefined && `acc ${formatPercent(version.training.accuracy, 1)}`,
                        ]
                          .filter(Boolean)
                          .join(' · ')}
                      </span>
                    </div>
                    {data.datasets.map((dataset) => {
                      const job = jobFor(latest, version.id, dataset.id);
                      return (
                        <div key={dataset.id} className={styles.jobLine} title={job?.message || undefined}>
                          {data.datasets.length > 1 && <span className={`${styles.sub} mono`}>{dataset.name}</span>}
                          <StatusBadge status={job?.status ?? 'none'} />
                          {job && isActive(job.status) && <ProgressBar value={job.progress} status={job.status} label={`${model.name}@${version.label} on ${dataset.name}`} />}
                          {job && isActive(job.status) && <span className={`${styles.sub} num`}>{formatPercent(job.progress)}</span>}
                          {(!job || job.status === 'failed') && <RequestActivations study={study} model={model.name} version={version.label} dataset={dataset.name} small />}
                        </div>
                      );
                    })}
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function JobsTable({ data }: { data: StudyDetail }) {
  if (!data.jobs.length) {
    return (
      <div className={styles.pad}>
        <Missing title="No work requested yet." advice={advice.activations(data.study.name)} />
      </div>
    );
  }
  const names = new Map<string, string>();
  for (const m of data.models) for (const v of m.versions) names.set(v.id, versionRef(m.name, v.label));
  const datasets = new Map(data.datasets.map((d) => [d.id, d.name]));
  const jobs: JobView[] = [...data.jobs].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, 12);
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Version</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => {
          const params = job.params as { versionId?: string; datasetId?: string };
          return (
            <Fragment key={job.id}>
              <tr className={job.message && job.status !== 'succeeded' ? styles.hasMessage : undefined}>
                <td>
                  <span className="mono">{job.kind}</span>
                  {params.datasetId && <span className={styles.sub}> on {datasets.get(params.datasetId) ?? '?'}</span>}
                </td>
                <td className="mono">{(params.versionId && names.get(params.versionId)) ?? '—'}</td>
                <td>
                  <StatusBadge status={job.status} />
                </td>
                <td style={{ minWidth: 110 }}>
                  <ProgressBar value={job.progress} status={job.status} label={`${job.kind} job progress`} />
                </td>
                <td className="muted">
                  <RelativeTime iso={job.updatedAt} />
                </td>
              </tr>
              {job.message && job.status !== 'succeeded' && (
                <tr className={styles.messageRow}>
                  <td colSpan={5} className={job.status === 'failed' ? styles.failText : 'muted'}>
                    {job.message}
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
