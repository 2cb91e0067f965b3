'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { ErrorPanel } from '../components/ErrorPanel';
import { Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { UnitPicture } from '../components/UnitPicture';
import { useLayerPictures, type LayerRef } from '../hooks/useLayerPictures';
import { formatNumber } from '../lib/format';
import { routes, versionRef } from '../lib/routes';
import { matchedAbove, metricLabel, orderMatches, type MatchOrder } from '../lib/similarity';
import { useTRPC } from '../trpc/react';
import styles from '../app/pages.module.css';

/** A correlation at or above this counts as "the same feature" in the table's summary (Li et al. use 0.9 too). */
const SAME_FEATURE = 0.9;

/**
 * The unit matching table of one layer pair: each unit of A's layer beside its best match in B's layer, both
 * pictures side by side, the correlation of their activations over the probe set, the runners-up and the
 * one-to-one (Hungarian) partner. Every unit links to its own page.
 */
export function PairMatches({
  study,
  a,
  b,
  dataset,
  similarity,
  metric,
  onClose,
}: {
  study: string;
  a: LayerRef;
  b: LayerRef;
  dataset?: string;
  similarity: number | null;
  metric: string | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const [order, setOrder] = useState<MatchOrder>('correlation');
  const matches = useQuery(
    trpc.compare.layerPairMatches.queryOptions({ study, model: a.model, version: a.version, layer: a.layer, otherModel: b.model, otherVersion: b.version, otherLayer: b.layer, dataset, k: 3 }),
  );
  const pictureOf = useLayerPictures(study, [a, b]);
  const nameA = `${versionRef(a.model, a.version)} ${a.layer}`;
  const nameB = `${versionRef(b.model, b.version)} ${b.layer}`;
  const unitHref = (ref: LayerRef, unit: number) => routes.unit({ study, ...ref, unit }, dataset);

  const tools = (
    <div className={styles.toolbar}>
      <fieldset className={styles.segmented}>
        <legend>Order</legend>
        {(['correlation', 'unit'] as const).map((o) => (
          <label key={o}>
            <input type="radio" name="match-order" value={o} checked={order === o} onChange={() => setOrder(o)} />
            {o === 'correlation' ? 'best matched first' : 'by unit'}
          </label>
        ))}
      </fieldset>
      <button type="button" className="btn btn-small" onClick={onClose}>
        Close
      </button>
    </div>
  );

  let body;
  if (matches.error) body = <ErrorPanel error={matches.error} what="the unit matches" />;
  else if (!matches.data) body = <p className="muted">Loading the matches…</p>;
  else if (!matches.data.computed) body = <Missing compact title={`No unit matches are stored for ${a.layer} × ${b.layer}.`} />;
  else {
    const rows = orderMatches(matches.data.units, order);
    const { matched, units } = matchedAbove(rows, SAME_FEATURE);
    body = (
      <>
        <p className={styles.pad} style={{ margin: 0 }}>
          {matched} of {units} units of <span className="mono">{a.layer}</span> have a partner in <span className="mono">{b.layer}</span> with r ≥ {SAME_FEATURE}
          {similarity !== null && metric ? (
            <>
              {' '}
              · {metricLabel(metric)} of the two layers {formatNumber(similarity, 3)}
            </>
          ) : null}
          . Correlations are Pearson’s, of the units’ mean-pooled activations over the probe images.
        </p>
        <table className={styles.matchTable} aria-label={`Unit matches of ${nameA} in ${nameB}`}>
          <thead>
            <tr>
              <th scope="col">Unit of {nameA}</th>
              <th scope="col">Best match in {nameB}</th>
              <th scope="col" className="num">
                r
              </th>
              <th scope="col">Runners-up</th>
              <th scope="col" title="The partner in a one-to-one assignment that maximises the total correlation (Hungarian algorithm)">
                One-to-one
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const best = row.best[0];
              return (
                <tr key={row.unit} data-unit={row.unit}>
                  <td>
                    <Link className={styles.matchUnit} href={unitHref(a, row.unit)} prefetch={false}>
                      <UnitPicture blobKey={pictureOf(a, row.unit)} unit={row.unit} alt={`Unit ${row.unit} of ${nameA}`} size={64} />
                      <span className="mono">#{row.unit}</span>
                    </Link>
                  </td>
                  <td>
                    {best ? (
                      <Link className={styles.matchUnit} href={unitHref(b, best.unit)} prefetch={false}>
                        <UnitPicture blobKey={pictureOf(b, best.unit)} unit={best.unit} alt={`Unit ${best.unit} of ${nameB}`} size={64} />
                        <span className="mono">#{best.unit}</span>
                      </Link>
                    ) : (
                      <span className="muted">no match (constant on the probe set)</span>
                    )}
                  </td>
                  <td className="num">{best ? <CorrelationBar value={best.correlation} /> : '—'}</td>
                  <td>
                    {row.best.slice(1).map((m) => (
                      <Link key={m.unit} className={styles.runnerUp} href={unitHref(b, m.unit)} prefetch={false}>
                        #{m.unit} <span className="num muted">{formatNumber(m.correlation, 2)}</span>
                      </Link>
                    ))}
                  </td>
                  <td>
                    {row.oneToOne ? (
                      <Link className={styles.runnerUp} href={unitHref(b, row.oneToOne.unit)} prefetch={false}>
                        #{row.oneToOne.unit} <span className="num muted">{formatNumber(row.oneToOne.correlation, 2)}</span>
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </>
    );
  }

  return (
    <Section title={`Unit matches: ${a.layer} × ${b.layer}`} aside={`${nameA} → ${nameB}`} tools={tools} flush id="unit-matches">
      {body}
    </Section>
  );
}

/** A correlation as a number and a bar from 0 to 1 (negative ones in the cool colour). */
export function CorrelationBar({ value }: { value: number }) {
  const width = Math.round(Math.min(1, Math.abs(value)) * 60);
  return (
    <span className={styles.corr} title={`r = ${formatNumber(value, 4)}`}>
      <span className={styles.corrBar} style={{ width, background: value >= 0 ? 'var(--accent)' : 'var(--neg)' }} aria-hidden="true" />
      <span className="num">{formatNumber(value, 3)}</span>
    </span>
  );
}
