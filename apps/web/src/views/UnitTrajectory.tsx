'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { ErrorPanel } from '../components/ErrorPanel';
import { Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { RequestButton } from '../components/RequestButton';
import { TrajectoryChart } from '../components/TrajectoryChart';
import { advice } from '../lib/commands';
import { formatNumber, formatPercent } from '../lib/format';
import { isActive } from '../lib/jobs';
import { routes, type UnitPath } from '../lib/routes';
import { serverErrorInfo } from '../lib/server-errors';
import type { JobView, StudyDetail } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';
import styles from '../app/pages.module.css';

/**
 * The unit followed through its model's checkpoints by best matches between consecutive versions (anchored at
 * this page's version): which unit it is in each, how strongly each step holds, and how the whole layer settles.
 * Missing steps say so, with a button that requests the chain's comparisons.
 */
export function UnitTrajectory({ path, dataset, detail, jobs }: { path: UnitPath; dataset: string; detail: StudyDetail | undefined; jobs: readonly JobView[] }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const model = detail?.models.find((m) => m.name === path.model);
  const versions = [...(model?.versions ?? [])].sort((a, b) => a.ordinal - b.ordinal);
  const several = versions.length > 1;
  const trajectory = useQuery({
    ...trpc.compare.trajectory.queryOptions({ study: path.study, model: path.model, layer: path.layer, unit: path.unit, version: path.version, dataset }),
    enabled: several,
  });
  const ids = new Set(versions.map((v) => v.id));
  const datasetId = detail?.datasets.find((d) => d.name === dataset)?.id;
  const chainJobs = jobs.filter((j) => j.params.kind === 'compare' && j.params.datasetId === datasetId && ids.has(j.params.versionId) && ids.has(j.params.otherVersionId) && isActive(j.status));
  const request = (
    <RequestButton
      label="Compare the checkpoints"
      what={`comparisons between the checkpoints of ${path.model}`}
      jobs={chainJobs}
      studyJobs={jobs}
      small
      request={async () => (await client.jobs.requestChainComparisons.mutate({ study: path.study, model: path.model, dataset })).requested.map((r) => r.job)}
      onEnded={() =>
        void Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.compare.trajectory.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.compare.unitMatches.queryKey() }),
        ])
      }
    />
  );
  const command = advice.trajectory(path.study, path.model, path.layer, path.unit, path.version);
  const chips = (
    <div className={styles.chips} role="list" aria-label={`Unit ${path.unit} in each version of ${path.model}`}>
      {versions.map((v) => (
        <Link
          role="listitem"
          key={v.id}
          href={routes.unit({ ...path, version: v.label }, dataset)}
          className={`${styles.chip} ${v.label === path.version ? styles.chipCurrent : ''}`}
          aria-current={v.label === path.version ? 'page' : undefined}
        >
          {v.label}
        </Link>
      ))}
    </div>
  );

  let body;
  if (!several) body = <Missing compact title="This model has a single version: there is no trajectory to follow." />;
  else if (trajectory.error) {
    const info = serverErrorInfo(trajectory.error);
    body =
      info.code === 'NOT_FOUND' ? (
        <Missing compact title="No trajectory yet." advice={advice.activations(path.study, path.model, undefined, dataset)}>
          {info.message}.
        </Missing>
      ) : (
        <ErrorPanel error={trajectory.error} what="the trajectory" />
      );
  } else if (!trajectory.data) body = <p className="muted">Loading…</p>;
  else {
    const t = trajectory.data;
    const followed = t.chain.filter((p) => p.link !== null).length;
    const points = t.chain.map((p) => ({ version: p.version, link: p.link, direct: p.version === t.anchor ? null : (p.directFromAnchor?.correlation ?? null), layer: p.similarityToFinal }));
    body = (
      <div className={styles.stack}>
        {t.chain.length < versions.length && (
          <Missing
            compact
            title={`${versions.length - t.chain.length} of ${versions.length} versions of ${path.model} have no activations of ${path.layer} on ${dataset} yet, so the trajectory leaves them out.`}
            advice={advice.activations(path.study, path.model, undefined, dataset)}
          />
        )}
        {t.missing.length > 0 && (
          <Missing
            compact
            title={`Not compared yet: ${t.missing.map((m) => `${m.from} ↔ ${m.to}`).join(', ')}. The unit is followed only as far as the comparisons reach.`}
            advice={command}
            action={request}
          />
        )}
        {followed > 0 && (
          <p style={{ margin: 0 }}>
            Stability <strong className="num">{formatNumber(t.stability, 3)}</strong> (weakest link {formatNumber(t.weakestLink, 3)}
            {t.reciprocalFraction !== null ? `, ${formatPercent(t.reciprocalFraction)} mutual best matches` : ''}); the same unit (links ≥ {t.threshold}) from{' '}
            <span className="mono">{t.stableFrom}</span> to <span className="mono">{t.stableTo}</span>.
          </p>
        )}
        {t.chain.length > 1 && (
          <TrajectoryChart
            points={points}
            metric={t.metric.toUpperCase()}
            label={`Unit ${path.unit} of ${path.layer} across ${t.chain.length} versions of ${path.model}: ${followed} links followed${t.stability !== null ? `, stability ${formatNumber(t.stability, 3)}` : ''}`}
          />
        )}
        <table aria-label={`Unit ${path.unit} of ${path.layer} in each version of ${path.model}`}>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Unit</th>
              <th scope="col" className="num" title="Correlation with the tracked unit one checkpoint towards this page's version">
                Link r
              </th>
              <th scope="col" title="Each unit the other's best match">
                Mutual
              </th>
              <th scope="col" className="num" title="The best match of this page's unit in that version, compared directly">
                Direct match
              </th>
              <th scope="col" className="num">
                Layer {t.metric.toUpperCase()} to {t.chain.at(-1)?.version}
              </th>
            </tr>
          </thead>
          <tbody>
            {t.chain.map((p) => (
              <tr key={p.version} aria-current={p.version === t.anchor ? 'true' : undefined}>
                <th scope="row" className="mono">
                  {p.version}
                  {p.version === t.anchor && <span className={styles.tag}> this page</span>}
                </th>
                <td className="mono">{p.unit === null ? <span className="muted">—</span> : <Link href={routes.unit({ ...path, version: p.version, unit: p.unit }, dataset)}>#{p.unit}</Link>}</td>
                <td className="num">{formatNumber(p.link, 3)}</td>
                <td>{p.reciprocal === null ? <span className="muted">—</span> : p.reciprocal ? 'yes' : 'no'}</td>
                <td className="num">
                  {p.directFromAnchor && p.version !== t.anchor ? (
                    <Link href={routes.unit({ ...path, version: p.version, unit: p.directFromAnchor.unit }, dataset)}>
                      #{p.directFromAnchor.unit} <span className="muted">{formatNumber(p.directFromAnchor.correlation, 3)}</span>
                    </Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="num">{formatNumber(p.similarityToFinal, 3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <Section title="Across versions" aside={several ? `${versions.length} versions of ${path.model}` : undefined}>
      <div className={styles.stack}>
        {several && chips}
        {body}
      </div>
    </Section>
  );
}
