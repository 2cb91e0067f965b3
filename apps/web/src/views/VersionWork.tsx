'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { RequestButton } from '../components/RequestButton';
import { latestLayerJob } from '../lib/jobs';
import { layerDream } from '../lib/pictures';
import { routes } from '../lib/routes';
import type { JobView } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';
import styles from '../app/pages.module.css';

export { CompareWithOthers } from './CompareWithOthers';

/** A layer's DeepDream as a thumbnail linking to the layer, read only once a dream job of it has succeeded. */
export function LayerDreamThumb({ study, model, version, layer, job }: { study: string; model: string; version: string; layer: string; job: JobView | undefined }) {
  const trpc = useTRPC();
  const renders = useQuery({ ...trpc.renders.forLayer.queryOptions({ study, model, version, layer }), enabled: job?.status === 'succeeded' });
  const dream = layerDream(renders.data?.layerRenders ?? []);
  if (!dream) return <span className="muted">—</span>;
  return (
    <Link href={routes.layer({ study, model, version, layer })} title={`DeepDream of ${layer}`}>
      {/* eslint-disable-next-line @next/next/no-img-element -- immutable blobs with their own cache headers */}
      <img className={styles.thumb} src={routes.blob(dream)} alt={`DeepDream of ${layer}`} width={40} height={40} loading="lazy" />
    </Link>
  );
}

/** The work a layer row can request — renders of every unit, a DeepDream, tuning curves — each following its job. */
export function LayerWorkButtons({
  study,
  model,
  version,
  layer,
  versionId,
  jobs,
}: {
  study: string;
  model: string;
  version: string;
  layer: string;
  versionId: string | undefined;
  jobs: readonly JobView[];
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const ref = { study, model, version, layer };
  const one = (job: JobView | undefined) => (job ? [job] : []);
  const wholeLayer = jobs.filter((j) => j.params.kind !== 'visualize' || j.params.units.length === 0);
  const reloadRenders = () => void queryClient.invalidateQueries({ queryKey: trpc.renders.forLayer.queryKey() });
  return (
    <div className={styles.rowWork}>
      <RequestButton
        compact
        label="Render"
        what={`feature visualizations of every unit of ${layer}`}
        jobs={one(latestLayerJob(wholeLayer, 'visualize', versionId, layer))}
        studyJobs={jobs}
        request={async () => [(await client.jobs.requestRender.mutate(ref)).job]}
        onEnded={reloadRenders}
      />
      <RequestButton
        compact
        label="Dream"
        what={`a DeepDream of ${layer}`}
        jobs={one(latestLayerJob(jobs, 'dream', versionId, layer))}
        studyJobs={jobs}
        request={async () => [(await client.jobs.requestDream.mutate(ref)).job]}
        onEnded={reloadRenders}
      />
      <RequestButton
        compact
        label="Tuning"
        what={`tuning curves of ${layer}`}
        jobs={one(latestLayerJob(jobs, 'tuning', versionId, layer))}
        studyJobs={jobs}
        request={async () => [(await client.jobs.requestTuning.mutate(ref)).job]}
        onEnded={() => void queryClient.invalidateQueries({ queryKey: trpc.tuning.forUnit.queryKey() })}
      />
    </div>
  );
}
