'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorPanel } from '../components/ErrorPanel';
import { Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { RequestButton } from '../components/RequestButton';
import { TuningChart } from '../components/TuningChart';
import { advice } from '../lib/commands';
import { latestLayerJob } from '../lib/jobs';
import type { UnitPath } from '../lib/routes';
import { tuningCharts } from '../lib/tuning';
import type { JobView } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';
import styles from '../app/pages.module.css';

/**
 * A unit's tuning curves, one chart per stimulus family; until the layer's tuning job has run, a button that
 * requests it (for every unit of the layer) and follows it.
 */
export function UnitTuning({ path, versionId, jobs }: { path: UnitPath; versionId: string | undefined; jobs: readonly JobView[] }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const input = { study: path.study, model: path.model, version: path.version, layer: path.layer, unit: path.unit };
  const tuning = useQuery(trpc.tuning.forUnit.queryOptions(input));
  const job = latestLayerJob(jobs, 'tuning', versionId, path.layer);
  const charts = tuningCharts(tuning.data?.curves ?? []);
  const request = (
    <RequestButton
      label="Compute tuning curves"
      what={`tuning curves of ${path.layer}`}
      jobs={job ? [job] : []}
      studyJobs={jobs}
      request={async () => [(await client.jobs.requestTuning.mutate({ study: path.study, model: path.model, version: path.version, layer: path.layer })).job]}
      onEnded={() => void queryClient.invalidateQueries({ queryKey: trpc.tuning.forUnit.queryKey() })}
    />
  );
  return (
    <Section title="Tuning curves" aside={charts.length ? `responses to ${charts.length} families of synthetic stimuli at the centre of the layer’s output` : undefined}>
      {tuning.error ? (
        <ErrorPanel error={tuning.error} what="tuning curves" />
      ) : !tuning.data ? (
        <p className="muted">Loading…</p>
      ) : charts.length === 0 ? (
        <Missing compact title="No tuning curves for this unit yet." advice={advice.tuning(path.study, path.model, path.version, path.layer)} action={request}>
          The tuning job sweeps gratings (orientation × frequency), colours (hue × saturation), curves and edges through the network, for every unit of{' '}
          <span className="mono">{path.layer}</span> at once.
        </Missing>
      ) : (
        <div className={styles.tuningCharts}>
          {charts.map((chart) => (
            <TuningChart key={chart.stimulus} chart={chart} unit={path.unit} />
          ))}
        </div>
      )}
    </Section>
  );
}
