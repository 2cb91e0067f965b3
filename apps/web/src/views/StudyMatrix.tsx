'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorPanel } from '../components/ErrorPanel';
import { Heatmap } from '../components/Heatmap';
import { Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { RequestButton } from '../components/RequestButton';
import { advice } from '../lib/commands';
import { isActive } from '../lib/jobs';
import { versionRef } from '../lib/routes';
import { metricLabel, studyMatrixLabels } from '../lib/similarity';
import type { JobView, StudyDetail } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';
import styles from '../app/pages.module.css';

/**
 * Every layer of every version extracted on the probe set against every other, in one metric: blocks of layers
 * per version (models together, checkpoints in order), so convergence across seeds and drift across checkpoints
 * show as patterns. A cell opens that pair of versions with the cell's layer pair chosen.
 */
export function StudyMatrix({
  study,
  detail,
  jobs,
  metric,
  dataset,
  onOpen,
}: {
  study: string;
  detail: StudyDetail;
  jobs: readonly JobView[];
  metric?: string;
  dataset?: string;
  onOpen: (cell: { a: string; b: string; layer: string; other: string }) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const matrix = useQuery(trpc.compare.studyLayers.queryOptions({ study, metric: (metric ?? 'cka') as 'cka' | 'dcka' | 'svcca', dataset }));
  if (matrix.error) return <ErrorPanel error={matrix.error} what="the study’s layer similarity" />;
  if (!matrix.data) return <Section title="Every layer against every layer">Loading…</Section>;
  const data = matrix.data;
  const { labels, cells } = studyMatrixLabels(data.versions);
  const groupStarts = data.versions.reduce<number[]>((starts, v, i) => [...starts, i === 0 ? 0 : starts[i - 1] + data.versions[i - 1].layers.length], []);
  const datasetId = detail.datasets.find((d) => d.name === data.dataset)?.id;
  const active = jobs.filter((j) => j.params.kind === 'compare' && j.params.datasetId === datasetId && isActive(j.status));

  return (
    <Section
      title="Every layer against every layer"
      aside={`${metricLabel(data.metric)} on ${data.dataset} · ${data.compared} of ${data.pairs} pairs of versions compared`}
    >
      <div className={styles.stack}>
        {data.versions.length < 2 ? (
          <Missing title={`Fewer than two versions have activations on ${data.dataset}.`} advice={advice.activations(study, undefined, undefined, data.dataset)} />
        ) : data.compared < data.pairs ? (
          <Missing
            compact
            title={data.compared ? `${data.pairs - data.compared} pairs of versions are not compared yet (hatched).` : 'No pair of versions is compared yet: the matrix below is empty.'}
            advice={advice.compare(study, undefined, undefined, dataset)}
            action={
              <RequestButton
                label="Compare every pair"
                what="comparisons of every pair of versions"
                jobs={active}
                studyJobs={jobs}
                request={async () => (await client.jobs.requestStudyComparisons.mutate({ study, dataset: data.dataset })).requested.map((r) => r.job)}
                onEnded={() => void queryClient.invalidateQueries({ queryKey: trpc.compare.studyLayers.queryKey() })}
              />
            }
          />
        ) : null}
        {labels.length > 0 && (
          <Heatmap
            rows={labels}
            columns={labels}
            values={data.values}
            rowTitle="rows"
            columnTitle="columns"
            domain={[0, 1]}
            dense
            groupStarts={groupStarts}
            onSelect={(pos) => {
              const [r, c] = [cells[pos.row], cells[pos.column]];
              // Inside one version there is nothing to match (a layer with itself is 1 by definition).
              if (r.model === c.model && r.version === c.version) return;
              onOpen({ a: versionRef(r.model, r.version), b: versionRef(c.model, c.version), layer: r.layer, other: c.layer });
            }}
          />
        )}
        <p className={styles.hint}>
          Blocks are versions (model, then checkpoint); the diagonal is each layer with itself. Choose a cell to open that pair of versions with its unit matches.
        </p>
      </div>
    </Section>
  );
}
