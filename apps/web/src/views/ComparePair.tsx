'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorPanel } from '../components/ErrorPanel';
import { Heatmap } from '../components/Heatmap';
import { Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { RequestButton } from '../components/RequestButton';
import { useWhenJobsEnd } from '../hooks/useStudyJobs';
import { advice } from '../lib/commands';
import { formatNumber, formatPercent } from '../lib/format';
import { comparisonJobs, extractedVersionIds, isActive } from '../lib/jobs';
import { parseVersionRef } from '../lib/routes';
import { availableMetrics, chooseMetric, metricLabel } from '../lib/similarity';
import type { JobView, StudyDetail } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';
import { PairMatches } from './PairMatches';
import styles from '../app/pages.module.css';

/** The id of `model@version` in a study's detail. */
export function versionIdOf(detail: StudyDetail, ref: { model: string; version: string } | null): string | undefined {
  return ref ? detail.models.find((m) => m.name === ref.model)?.versions.find((v) => v.label === ref.version)?.id : undefined;
}

/**
 * Two versions: their layer × layer similarity heatmap in the chosen metric, how many units find a partner, and
 * (once a cell is chosen) the unit matching table of that layer pair. Until the pair is compared, says so and
 * offers to compare it (or every pair of the study), following the jobs live.
 */
export function ComparePair({
  study,
  detail,
  jobs,
  a,
  b,
  metric: askedMetric,
  dataset: askedDataset,
  cell,
  onCell,
}: {
  study: string;
  detail: StudyDetail;
  jobs: readonly JobView[];
  a: string;
  b: string;
  metric?: string;
  dataset?: string;
  cell: { layer: string; other: string } | null;
  onCell: (cell: { layer: string; other: string } | null) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const refA = parseVersionRef(a)!;
  const refB = parseVersionRef(b)!;
  const pair = { study, model: refA.model, version: refA.version, otherModel: refB.model, otherVersion: refB.version, dataset: askedDataset };
  const result = useQuery(trpc.compare.layers.queryOptions(pair));

  const datasetName = result.data?.dataset ?? askedDataset ?? detail.datasets[0]?.name;
  const datasetId = detail.datasets.find((d) => d.name === datasetName)?.id;
  const [idA, idB] = [versionIdOf(detail, refA), versionIdOf(detail, refB)];
  const pairJobs = comparisonJobs(jobs, idA, idB, datasetId);
  const extracted = extractedVersionIds(jobs, datasetId);
  const reload = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.compare.layers.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.compare.layerPairMatches.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.compare.studyLayers.queryKey() }),
    ]);
  // Comparisons requested elsewhere (the CLI, another tab) fill the page too when they end.
  useWhenJobsEnd(pairJobs, () => void reload());

  if (result.error) return <ErrorPanel error={result.error} what={`the comparison of ${a} and ${b}`} />;
  if (!result.data) return <Section title={`${a} × ${b}`}>Loading…</Section>;
  const data = result.data;
  const metrics = availableMetrics(data.metrics);
  const metric = chooseMetric(askedMetric, metrics);
  const values = metric ? (data.metrics[metric as keyof typeof data.metrics] ?? []) : [];
  const rows = data.a.layers.map((l) => l.name);
  const columns = data.b.layers.map((l) => l.name);
  const selected = cell ? { row: rows.indexOf(cell.layer), column: columns.indexOf(cell.other) } : null;
  const validCell = selected && selected.row >= 0 && selected.column >= 0 ? selected : null;
  const notExtracted = [
    idA && !extracted.has(idA) ? a : null,
    idB && !extracted.has(idB) ? b : null,
  ].filter((x): x is string => !!x);
  const pairAdvice = advice.compare(study, refA, refB, askedDataset);
  const running = pairJobs.some((j) => isActive(j.status));

  const requestPair = (
    <RequestButton
      label="Compare these two versions"
      what={`comparison of ${a} and ${b}`}
      jobs={pairJobs.slice(0, 1)}
      studyJobs={jobs}
      disabled={notExtracted.length > 0}
      disabledReason={notExtracted.length ? `first extract the activations of ${notExtracted.join(' and ')} on ${datasetName}` : undefined}
      request={async () => [(await client.jobs.requestCompare.mutate({ ...pair, dataset: datasetName })).job]}
      onEnded={() => void reload()}
    />
  );
  const requestStudy = (
    <RequestButton
      label="Compare every pair of the study"
      what="comparisons of every pair of versions"
      jobs={[]}
      studyJobs={jobs}
      small
      request={async () => (await client.jobs.requestStudyComparisons.mutate({ study, dataset: datasetName })).requested.map((r) => r.job)}
      onEnded={() => void reload()}
    />
  );

  return (
    <>
      <Section title={`${a} × ${b}`} aside={metric ? `${metricLabel(metric)} on ${data.dataset}` : `on ${data.dataset}`}>
        <div className={styles.stack}>
          {!data.computed && (
            <Missing title="Layer similarity for this pair is not computed yet; the grid below shows the layers it will cover." advice={pairAdvice} action={<>{requestPair}{!running && requestStudy}</>}>
              {notExtracted.length > 0 ? (
                <>
                  A comparison reads both versions’ activations on the probe set <span className="mono">{data.dataset}</span>; {notExtracted.join(' and ')}{' '}
                  {notExtracted.length > 1 ? 'have' : 'has'} none yet (<span className="mono">{advice.activations(study, undefined, undefined, data.dataset).command}</span>).
                </>
              ) : (
                'Comparing matches every unit of A with the units of B and measures every pair of layers; it takes seconds for small models.'
              )}
            </Missing>
          )}
          {data.computed && askedMetric && metric !== askedMetric && (
            <Missing compact title={`${metricLabel(askedMetric)} was not computed for this pair; showing ${metricLabel(metric!)}.`} advice={pairAdvice} />
          )}
          <Heatmap
            rows={rows}
            columns={columns}
            values={values}
            rowTitle={a}
            columnTitle={b}
            selected={validCell}
            onSelect={(pos) => onCell({ layer: rows[pos.row], other: columns[pos.column] })}
          />
          {data.computed && !validCell && <p className={styles.hint}>Choose a cell to see which units of the two layers match.</p>}
        </div>
      </Section>
      {data.computed && data.bestMatches.length > 0 && (
        <Section title="Units with a partner" aside={`best match anywhere in ${b} with correlation > ${data.threshold}`} flush>
          <table>
            <thead>
              <tr>
                <th scope="col">Layer of {a}</th>
                <th scope="col" className="num">
                  Matched
                </th>
                <th scope="col" className="num">
                  Mean best r
                </th>
                <th scope="col" className="num" title="Matches within the layer of the same name in B">
                  In the same layer of B
                </th>
              </tr>
            </thead>
            <tbody>
              {data.bestMatches.map((s) => (
                <tr key={s.layer}>
                  <th scope="row" className="mono">
                    {s.layer}
                  </th>
                  <td className="num">
                    {s.above} / {s.units} <span className="muted">({formatPercent(s.units ? s.above / s.units : 0)})</span>
                  </td>
                  <td className="num">{formatNumber(s.meanBest, 3)}</td>
                  <td className="num">{s.sameLayer ? `${s.sameLayer.above} / ${s.sameLayer.units}, mean ${formatNumber(s.sameLayer.meanBest, 3)}` : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
      {validCell && data.computed && (
        <PairMatches
          study={study}
          a={{ model: refA.model, version: refA.version, layer: rows[validCell.row] }}
          b={{ model: refB.model, version: refB.version, layer: columns[validCell.column] }}
          dataset={askedDataset}
          similarity={metric ? values[validCell.row]?.[validCell.column] ?? null : null}
          metric={metric}
          onClose={() => onCell(null)}
        />
      )}
    </>
  );
}
