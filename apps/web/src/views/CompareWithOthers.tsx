'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { RequestButton } from '../components/RequestButton';
import { comparisonsOf, extractedVersionIds, isActive } from '../lib/jobs';
import { versionRef } from '../lib/routes';
import type { JobView } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';

/**
 * Compares one version with every other version of the study that has activations on the probe set and is not
 * compared with it yet (one compare job per pair), then follows the jobs. Says why when there is nothing it can do.
 */
export function CompareWithOthers({
  study,
  model,
  version,
  dataset,
  jobs,
  primary,
}: {
  study: string;
  model: string;
  version: string;
  /** The probe set (default: the study's first). */
  dataset?: string;
  jobs: readonly JobView[];
  primary?: boolean;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const detail = useQuery(trpc.studies.get.queryOptions({ study }));
  if (!detail.data) return null;
  const datasetName = dataset ?? detail.data.datasets[0]?.name;
  const datasetId = detail.data.datasets.find((d) => d.name === datasetName)?.id;
  const versionId = detail.data.models.find((m) => m.name === model)?.versions.find((v) => v.label === version)?.id;
  const extracted = extractedVersionIds(jobs, datasetId);
  const mine = comparisonsOf(jobs, versionId).filter((j) => j.params.kind === 'compare' && j.params.datasetId === datasetId);
  const partnerOf = (j: JobView) => (j.params.versionId === versionId && j.params.kind === 'compare' ? j.params.otherVersionId : j.params.versionId);
  const covered = new Set(mine.filter((j) => j.status !== 'failed').map(partnerOf));
  const others = detail.data.models.flatMap((m) => m.versions.filter((v) => v.id !== versionId && extracted.has(v.id)).map((v) => ({ id: v.id, model: m.name, version: v.label })));
  const remaining = others.filter((o) => !covered.has(o.id));
  const running = mine.filter((j) => isActive(j.status));
  const notExtracted = versionId !== undefined && !extracted.has(versionId);
  if (!remaining.length && !running.length && !notExtracted && others.length) return <span className="muted">Compared with all {others.length} other versions</span>;
  return (
    <RequestButton
      label={remaining.length ? `Compare with ${remaining.length} other version${remaining.length === 1 ? '' : 's'}` : 'Compare with other versions'}
      what={`comparisons of ${versionRef(model, version)} on ${datasetName}`}
      jobs={running}
      studyJobs={jobs}
      primary={primary}
      disabled={notExtracted || remaining.length === 0}
      disabledReason={notExtracted ? `first extract its activations on ${datasetName}` : remaining.length === 0 && !running.length ? `no other version has activations on ${datasetName} yet` : undefined}
      request={async () => {
        const queued = [];
        for (const other of remaining) {
          queued.push((await client.jobs.requestCompare.mutate({ study, model, version, otherModel: other.model, otherVersion: other.version, dataset: datasetName })).job);
        }
        return queued;
      }}
      onEnded={() =>
        void Promise.all(
          [trpc.compare.unitMatches, trpc.compare.trajectory, trpc.compare.layers, trpc.compare.studyLayers].map((p) => queryClient.invalidateQueries({ queryKey: p.queryKey() })),
        )
      }
    />
  );
}
