'use client';

import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { CopyButton } from '../components/CopyButton';
import { Section } from '../components/layout-parts';
import { RequestButton } from '../components/RequestButton';
import { advice, type Advice } from '../lib/commands';
import { formatCount } from '../lib/format';
import { latestLayerJob } from '../lib/jobs';
import { routes, type LayerPath } from '../lib/routes';
import type { JobView } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';
import styles from '../app/pages.module.css';

/**
 * The work a layer can be given — feature visualizations of every unit, a DeepDream of the layer, tuning curves of
 * every unit — each a button that requests it through the API and follows its job live, with the CLI command
 * beside it. The DeepDream shows here once rendered.
 */
export function LayerWork({ path, versionId, jobs, dream, unitCount }: { path: LayerPath; versionId: string | undefined; jobs: readonly JobView[]; dream: string | undefined; unitCount: number }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const ref = { study: path.study, model: path.model, version: path.version, layer: path.layer };
  const latest = (kind: string) => {
    const job = latestLayerJob(jobs, kind, versionId, path.layer);
    return job ? [job] : [];
  };
  const reloadRenders = () => void queryClient.invalidateQueries({ queryKey: trpc.renders.forLayer.queryKey() });
  // A visualize job of a few units (from a unit page) is not the layer's: follow only whole-layer ones here.
  const layerRender = latestLayerJob(
    jobs.filter((j) => j.params.kind !== 'visualize' || j.params.units.length === 0),
    'visualize',
    versionId,
    path.layer,
  );

  return (
    <Section title="Work on this layer" aside="requested here, run in the background; progress updates live">
      <div className={styles.workGrid}>
        <WorkItem title="Feature visualizations" advice={advice.visualize(path.study, path.model, path.version, path.layer)}>
          <p>The channel objective for each of the {formatCount(unitCount)} units (Lucid’s defaults: 512 steps at 128 px).</p>
          <RequestButton
            label="Render every unit"
            what={`feature visualizations of ${path.layer}`}
            jobs={layerRender ? [layerRender] : []}
            studyJobs={jobs}
            request={async () => [(await client.jobs.requestRender.mutate(ref)).job]}
            onEnded={reloadRenders}
          />
        </WorkItem>
        <WorkItem title="DeepDream" advice={advice.dream(path.study, path.model, path.version, path.layer)}>
          {dream ? (
            // eslint-disable-next-line @next/next/no-img-element -- immutable blobs with their own cache headers
            <img className={styles.dream} src={routes.blob(dream)} alt={`DeepDream of ${path.layer}`} width={160} height={160} />
          ) : (
            <p>An image optimised to excite the whole layer at once.</p>
          )}
          <RequestButton label="Dream" what={`a DeepDream of ${path.layer}`} jobs={latest('dream')} studyJobs={jobs} request={async () => [(await client.jobs.requestDream.mutate(ref)).job]} onEnded={reloadRenders} />
        </WorkItem>
        <WorkItem title="Tuning curves" advice={advice.tuning(path.study, path.model, path.version, path.layer)}>
          <p>Every unit against gratings, colours, curves and edges; shown on each unit’s page.</p>
          <RequestButton
            label="Compute tuning curves"
            what={`tuning curves of ${path.layer}`}
            jobs={latest('tuning')}
            studyJobs={jobs}
            request={async () => [(await client.jobs.requestTuning.mutate(ref)).job]}
            onEnded={() => void queryClient.invalidateQueries({ queryKey: trpc.tuning.forUnit.queryKey() })}
          />
        </WorkItem>
      </div>
    </Section>
  );
}

function WorkItem({ title, advice: command, children }: { title: string; advice: Advice; children: ReactNode }) {
  return (
    <div className={styles.workItem}>
      <h3>{title}</h3>
      {children}
      <div className={styles.workCommand}>
        <code title={command.producer}>{command.command}</code>
        <CopyButton text={command.command} />
      </div>
    </div>
  );
}
