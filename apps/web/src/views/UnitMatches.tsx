'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { ErrorPanel } from '../components/ErrorPanel';
import { Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { RequestButton } from '../components/RequestButton';
import { UnitPicture } from '../components/UnitPicture';
import { useLayerPictures } from '../hooks/useLayerPictures';
import { advice } from '../lib/commands';
import { comparisonsOf, extractedVersionIds, isActive } from '../lib/jobs';
import { routes, versionRef, type UnitPath } from '../lib/routes';
import type { JobView, StudyDetail } from '../trpc/api';
import { useTRPC, useTRPCClient } from '../trpc/react';
import { CorrelationBar } from './PairMatches';
import styles from '../app/pages.module.css';

/** Matches shown per compared version: the best three, wherever in that version they are. */
const K = 3;

/**
 * A unit's best matching units in every version it has been compared with (other seeds, other checkpoints, other
 * architectures), each with its picture and correlation and a link to its page. Until this version is compared,
 * a button compares it with every other version that has activations on the probe set.
 */
export function UnitMatches({
  path,
  dataset,
  detail,
  versionId,
  jobs,
}: {
  path: UnitPath;
  dataset: string;
  detail: StudyDetail | undefined;
  versionId: string | undefined;
  jobs: readonly JobView[];
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const matches = useQuery(
    trpc.compare.unitMatches.queryOptions({ study: path.study, model: path.model, version: path.version, layer: path.layer, unit: path.unit, dataset, k: K }),
  );
  const groups = matches.data?.matches ?? [];
  const pictureOf = useLayerPictures(
    path.study,
    groups.flatMap((g) => g.best.map((b) => ({ model: g.model, version: g.version, layer: b.layer }))),
  );

  const datasetId = detail?.datasets.find((d) => d.name === dataset)?.id;
  const extracted = extractedVersionIds(jobs, datasetId);
  const others = (detail?.models ?? []).flatMap((m) => m.versions.filter((v) => v.id !== versionId && extracted.has(v.id)).map((v) => ({ model: m.name, version: v.label })));
  const running = comparisonsOf(jobs, versionId).filter((j) => j.params.kind === 'compare' && j.params.datasetId === datasetId && isActive(j.status));
  const reload = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.compare.unitMatches.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.compare.trajectory.queryKey() }),
    ]);
  const request = (
    <RequestButton
      label={`Compare with ${others.length} other version${others.length === 1 ? '' : 's'}`}
      what={`comparisons of ${versionRef(path.model, path.version)}`}
      jobs={running}
      studyJobs={jobs}
      disabled={others.length === 0 || (versionId !== undefined && !extracted.has(versionId))}
      disabledReason={
        versionId !== undefined && !extracted.has(versionId)
          ? `first extract this version’s activations on ${dataset}`
          : others.length === 0
            ? `no other version has activations on ${dataset} yet`
            : undefined
      }
      request={async () => {
        const queued = [];
        for (const other of others) {
          const r = await client.jobs.requestCompare.mutate({ study: path.study, model: path.model, version: path.version, otherModel: other.model, otherVersion: other.version, dataset });
          queued.push(r.job);
        }
        return queued;
      }}
      onEnded={() => void reload()}
    />
  );

  return (
    <Section title="Best matches in other versions" aside={groups.length ? `top ${K} by correlation over ${dataset}, in ${groups.length} compared version${groups.length === 1 ? '' : 's'}` : undefined}>
      {matches.error ? (
        <ErrorPanel error={matches.error} what="matches" />
      ) : !matches.data ? (
        <p className="muted">Loading…</p>
      ) : groups.length === 0 ? (
        <Missing compact title={`${versionRef(path.model, path.version)} is not compared with any other version yet.`} advice={advice.compare(path.study, undefined, undefined, dataset)} action={request}>
          A comparison correlates every unit’s activations over the probe images with every unit of the other version.
        </Missing>
      ) : (
        <div className={styles.stack}>
          <div className={styles.matchGroups} role="list" aria-label={`Best matches of unit ${path.unit}`}>
            {groups.map((g) => (
              <div key={versionRef(g.model, g.version)} className={styles.matchGroup} role="listitem">
                <h3>
                  {versionRef(g.model, g.version)}
                  {g.model === path.model && <span className={styles.tag}>same run</span>}
                </h3>
                <div className={styles.matchTiles}>
                  {g.best.map((m) => {
                    const ref = { model: g.model, version: g.version, layer: m.layer };
                    return (
                      <Link key={`${m.layer}#${m.unit}`} className={styles.matchTile} href={routes.unit({ study: path.study, ...ref, unit: m.unit }, dataset)} prefetch={false} data-match>
                        <UnitPicture blobKey={pictureOf(ref, m.unit)} unit={m.unit} alt={`Unit ${m.unit} of ${m.layer} in ${versionRef(g.model, g.version)}`} size={84} />
                        <span className="mono" title={`${m.layer} #${m.unit}`}>
                          {m.layer} #{m.unit}
                        </span>
                        <CorrelationBar value={m.correlation} />
                      </Link>
                    );
                  })}
                </div>
              </div>
            ))}
          </div>
          {others.length > groups.length && (
            <span className={styles.toolbar}>
              <span className="muted">{others.length - groups.length} other versions with activations are not compared with this one yet.</span>
              {request}
            </span>
          )}
        </div>
      )}
    </Section>
  );
}
