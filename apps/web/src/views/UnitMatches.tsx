'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { ErrorPanel } from '../components/ErrorPanel';
import { Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { UnitPicture } from '../components/UnitPicture';
import { useLayerPictures } from '../hooks/useLayerPictures';
import { advice } from '../lib/commands';
import { routes, versionRef, type UnitPath } from '../lib/routes';
import type { JobView } from '../trpc/api';
import { useTRPC } from '../trpc/react';
import { CompareWithOthers } from './CompareWithOthers';
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
  jobs,
}: {
  path: UnitPath;
  dataset: string;
  jobs: readonly JobView[];
}) {
  const trpc = useTRPC();
  const matches = useQuery(
    trpc.compare.unitMatches.queryOptions({ study: path.study, model: path.model, version: path.version, layer: path.layer, unit: path.unit, dataset, k: K }),
  );
  const groups = matches.data?.matches ?? [];
  const pictureOf = useLayerPictures(
    path.study,
    groups.flatMap((g) => g.best.map((b) => ({ model: g.model, version: g.version, layer: b.layer }))),
  );

  const request = <CompareWithOthers study={path.study} model={path.model} version={path.version} dataset={dataset} jobs={jobs} />;

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
          <span className={styles.toolbar}>{request}</span>
        </div>
      )}
    </Section>
  );
}
