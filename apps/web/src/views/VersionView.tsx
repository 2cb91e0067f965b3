'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { ErrorPanel } from '../components/ErrorPanel';
import { RelativeTime } from '../components/RelativeTime';
import { ProgressBar, StatusBadge } from '../components/JobStatus';
import { Breadcrumbs, KeyValues, PageHeader, Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { advice } from '../lib/commands';
import { formatCount, formatNumber, formatPercent, formatShape } from '../lib/format';
import { hasActiveJobs, isActive, latestLayerJob } from '../lib/jobs';
import { routes, versionRef, type VersionPath } from '../lib/routes';
import { serverErrorInfo } from '../lib/server-errors';
import type { VersionDetail } from '../trpc/api';
import { useTRPC } from '../trpc/react';
import { DatasetPicker } from './DatasetPicker';
import { CompareWithOthers, LayerDreamThumb, LayerWorkButtons } from './VersionWork';
import { RequestActivations } from './RequestActivations';
import styles from '../app/pages.module.css';

/** Training metadata fields shown in this order; anything else the uploader added follows. */
const KNOWN_TRAINING: [string, string][] = [
  ['seed', 'Seed'],
  ['epoch', 'Epoch'],
  ['step', 'Step'],
  ['dataset', 'Trained on'],
  ['accuracy', 'Accuracy'],
  ['notes', 'Notes'],
];

export function VersionView({ study, model, version, dataset }: VersionPath & { dataset?: string }) {
  const trpc = useTRPC();
  const ref = { study, model, version };
  const detail = useQuery(trpc.versions.get.queryOptions(ref));
  const jobs = useQuery(trpc.jobs.list.queryOptions({ study }, { refetchInterval: (q) => (q.state.data && hasActiveJobs(q.state.data) ? 1500 : false) }));
  const versionId = detail.data?.version.id;
  const ownJobs = (jobs.data ?? []).filter((j) => (j.params as { versionId?: string }).versionId === versionId);
  const running = ownJobs.filter((j) => isActive(j.status));
  // Statistics refresh when this version's extraction finishes.
  const summary = useQuery(trpc.layers.summary.queryOptions({ ...ref, dataset }, { refetchInterval: running.length ? 3000 : false }));
  const datasets = useQuery(trpc.datasets.list.queryOptions({ study }));

  const crumbs = (
    <Breadcrumbs
      items={[
        { label: 'Studies', href: routes.home() },
        { label: study, href: routes.study(study) },
        { label: versionRef(model, version) },
      ]}
    />
  );
  if (detail.error) {
    return (
      <>
        {crumbs}
        <ErrorPanel error={detail.error} what={`version ${versionRef(model, version)}`} />
      </>
    );
  }
  if (!detail.data) return crumbs;
  const { version: v, model: m, layers } = detail.data;
  const summaries = new Map((summary.data?.layers ?? []).map((s) => [s.layer, s]));
  const dreamed = ownJobs.some((j) => j.kind === 'dream' && j.status === 'succeeded');
  const datasetName = summary.data?.dataset ?? dataset;

  return (
    <>
      {crumbs}
      <PageHeader
        eyebrow={`Model version · ${v.format}`}
        title={<span className="mono">{versionRef(model, version)}</span>}
        actions={
          <>
            {datasets.data && datasets.data.length > 1 && <DatasetPicker datasets={datasets.data.map((d) => d.name)} current={datasetName} />}
            <RequestActivations study={study} model={model} version={version} dataset={dataset} />
            <Link className="btn" href={routes.compare(study, versionRef(model, version))}>
              Compare…
            </Link>
            <CompareWithOthers study={study} model={model} version={version} dataset={datasetName} jobs={jobs.data ?? []} primary={false} />
          </>
        }
      >
        <p>
          {m.architecture ? <>Architecture <strong>{m.architecture}</strong> · </> : null}
          checkpoint {v.ordinal + 1} of model <span className="mono">{m.name}</span> · {layers.length} layers ·{' '}
          {formatCount(layers.reduce((n, l) => n + l.unitCount, 0))} units
        </p>
      </PageHeader>

      {running.length > 0 && (
        <Section title="Work in progress" aside={`${running.length} running`}>
          {running.map((j) => (
            <div key={j.id} className={styles.jobLine}>
              <span className="mono">{j.kind}</span>
              <StatusBadge status={j.status} />
              <ProgressBar value={j.progress} status={j.status} label={`${j.kind} progress`} />
              <span className="num">{formatPercent(j.progress)}</span>
              <span className="muted">{j.message}</span>
            </div>
          ))}
        </Section>
      )}

      <div className={styles.versionGrid}>
        <Section title="Input and source">
          <VersionFacts detail={detail.data} />
        </Section>
        <Section title="Training">
          <TrainingFacts training={v.training} />
        </Section>
      </div>

      <Section
        title="Layers"
        aside={datasetName ? <>statistics over probe set <span className="mono">{datasetName}</span> (max-pooled)</> : undefined}
        flush
      >
        <div className={styles.pad} style={{ display: 'grid', gap: 8 }}>
          {summary.error ? (
            serverErrorInfo(summary.error).code === 'NOT_FOUND' ? (
              <Missing compact title="No probe dataset to compute statistics on." advice={advice.addDataset(study)}>
                {serverErrorInfo(summary.error).message}.
              </Missing>
            ) : (
              <ErrorPanel error={summary.error} what="layer statistics" />
            )
          ) : summary.data && summary.data.layers.length === 0 ? (
            <Missing compact title="No unit statistics for this version yet." advice={advice.activations(study, model, version, dataset)} />
          ) : null}
          {layers.length > 0 && !dreamed && (
            <Missing compact title="DeepDream per layer: none rendered yet. The Dream button of a layer below requests one." advice={advice.dream(study, model, version, layers[0].name)} />
          )}
        </div>
        <table>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Layer</th>
              <th scope="col">Op</th>
              <th scope="col">Output</th>
              <th scope="col" className="num">
                Units
              </th>
              <th scope="col" className="num" title="Mean over units of each unit's mean max-pooled activation">
                Mean act.
              </th>
              <th scope="col" className="num" title="Mean over units of the fraction of probe images on which the unit is > 0">
                Active
              </th>
              <th scope="col" title="Units never above zero on the probe set">
                Dead units
              </th>
              <th scope="col">DeepDream</th>
              <th scope="col" title="Feature visualizations of every unit, a DeepDream of the layer, tuning curves of every unit">
                Request work
              </th>
            </tr>
          </thead>
          <tbody>
            {layers.map((layer) => {
              const s = summaries.get(layer.name);
              const deadFraction = s && s.unitCount ? s.deadUnits / s.unitCount : 0;
              return (
                <tr key={layer.name}>
                  <td className="num muted">{layer.index}</td>
                  <td>
                    <Link className={styles.layerName} href={routes.layer({ study, model, version, layer: layer.name }, { dataset })}>
                      {layer.name}
                    </Link>
                  </td>
                  <td className="mono muted">{layer.op}</td>
                  <td className="mono">{formatShape(layer.outputShape)}</td>
                  <td className="num">{formatCount(layer.unitCount)}</td>
                  <td className="num">{s ? formatNumber(s.meanOfMeans) : <span className="muted">—</span>}</td>
                  <td className="num">{s ? formatPercent(s.meanFractionPositive) : <span className="muted">—</span>}</td>
                  <td>
                    {s ? (
                      <span className={styles.deadBar} title={`${s.deadUnits} of ${s.unitCount}`}>
                        <span className="bar" style={{ width: Math.max(2, deadFraction * 80), background: deadFraction > 0.2 ? 'var(--err)' : 'var(--muted)' }} />
                        <span className="num">{s.deadUnits}</span>
                      </span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    <LayerDreamThumb study={study} model={model} version={version} layer={layer.name} job={latestLayerJob(ownJobs, 'dream', versionId, layer.name)} />
                  </td>
                  <td>
                    <LayerWorkButtons study={study} model={model} version={version} layer={layer.name} versionId={versionId} jobs={jobs.data ?? []} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Section>
    </>
  );
}

function VersionFacts({ detail }: { detail: VersionDetail }) {
  const { version: v } = detail;
  const pre = v.preprocessing;
  const training = v.training as Record<string, unknown>;
  return (
    <KeyValues
      items={[
        ['Format', v.format],
        ['Input', `${v.input.height} × ${v.input.width} × ${v.input.channels} (H × W × C)`],
        ['Preprocessing', `x = (pixel × ${formatNumber(pre.scale)} − mean ${JSON.stringify(pre.mean)}) / std ${JSON.stringify(pre.std)}`],
        ['Source', typeof training.source === 'string' && training.source ? training.source : <span className="muted">not given</span>],
        ['Licence', typeof training.licence === 'string' && training.licence ? training.licence : <span className="muted">not given</span>],
        ['Content hash', <span key="h" className={styles.hash} title={v.contentHash}>{v.contentHash.slice(0, 16)}…</span>],
        ['Registered', <RelativeTime key="r" iso={v.createdAt} />],
      ]}
    />
  );
}

function TrainingFacts({ training }: { training: Record<string, unknown> }) {
  const shown = (value: unknown, key: string) => (key === 'accuracy' && typeof value === 'number' ? formatPercent(value, 1) : String(value));
  const known = KNOWN_TRAINING.filter(([k]) => training[k] !== undefined && training[k] !== '').map(([k, label]) => [label, shown(training[k], k)] as [string, string]);
  const extra = Object.entries(training)
    .filter(([k, value]) => !KNOWN_TRAINING.some(([known]) => known === k) && k !== 'source' && k !== 'licence' && value !== undefined)
    .map(([k, value]) => [k, typeof value === 'object' ? JSON.stringify(value) : String(value)] as [string, string]);
  if (!known.length && !extra.length) return <Missing compact title="No training metadata was given with this version." />;
  return <KeyValues items={[...known, ...extra]} />;
}
