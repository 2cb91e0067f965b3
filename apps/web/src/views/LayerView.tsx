'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useCallback, useMemo, useState } from 'react';
import { ErrorPanel } from '../components/ErrorPanel';
import { Breadcrumbs, PageHeader, Section } from '../components/layout-parts';
import { Missing } from '../components/Missing';
import { Sparkline } from '../components/Sparkline';
import { VirtualGrid, type TileSize } from '../components/VirtualGrid';
import { advice } from '../lib/commands';
import { formatCount, formatNumber, formatPercent, formatShape } from '../lib/format';
import { routes, versionRef, type LayerPath } from '../lib/routes';
import { orderUnits, POOLINGS, SORT_KEYS, SORT_LABELS, type GridOrder, type SortKey, type UnitSummary } from '../lib/unit-order';
import type { LayerUnitStats } from '../trpc/api';
import { useTRPC } from '../trpc/react';
import { useStudyJobs } from '../hooks/useStudyJobs';
import { layerDream, pictureByUnit } from '../lib/pictures';
import { isActive } from '../lib/jobs';
import { LayerWork } from './LayerWork';
import styles from '../app/pages.module.css';
import grid from '../components/grid.module.css';

const TILE: TileSize = { width: 112, height: 132, gap: 8 };

type UnitRow = LayerUnitStats['units'][number];

export function LayerView({ path, dataset, initialOrder }: { path: LayerPath; dataset?: string; initialOrder: GridOrder }) {
  const trpc = useTRPC();
  const ref = { study: path.study, model: path.model, version: path.version };
  const detail = useQuery(trpc.versions.get.queryOptions(ref));
  const stats = useQuery(trpc.unitStats.byLayer.queryOptions({ ...ref, layer: path.layer, dataset }));
  const study = useQuery(trpc.studies.get.queryOptions({ study: path.study }));
  const versionId = study.data?.models.find((m) => m.name === path.model)?.versions.find((v) => v.label === path.version)?.id;
  const jobs = useStudyJobs(path.study, (j) => j.params.versionId === versionId && (j.kind === 'visualize' || j.kind === 'dream' || j.kind === 'tuning'));
  // While a render of this layer runs, its pictures are listed again every few seconds: the tiles fill in as they are stored.
  const rendering = (jobs.data ?? []).some((j) => j.params.kind === 'visualize' && j.params.versionId === versionId && j.params.layer === path.layer && isActive(j.status));
  const renders = useQuery(trpc.renders.forLayer.queryOptions({ ...ref, layer: path.layer }, { refetchInterval: rendering ? 5000 : false }));
  const [order, setOrderState] = useState(initialOrder);

  // The order lives in the URL (a permalink to "conv2 sorted by max") without a round trip to the server.
  const setOrder = useCallback(
    (next: GridOrder) => {
      setOrderState(next);
      const url = routes.layer(path, {
        dataset,
        sort: next.sort === 'unit' ? undefined : next.sort,
        dir: next.dir === (next.sort === 'unit' ? 'asc' : 'desc') ? undefined : next.dir,
        pooling: next.pooling === 'max' ? undefined : next.pooling,
      });
      window.history.replaceState(null, '', url);
    },
    [path, dataset],
  );

  const layer = detail.data?.layers.find((l) => l.name === path.layer);
  const byUnit = useMemo(() => new Map((stats.data?.units ?? []).map((u) => [u.unit, u])), [stats.data]);
  // One picture per unit in the grid: the newest channel visualization if there is one, else the newest stored.
  const renderByUnit = useMemo(() => pictureByUnit(renders.data?.units ?? []), [renders.data]);
  const dream = layerDream(renders.data?.layerRenders ?? []);
  const unitCount = layer?.unitCount ?? 0;
  const summaryOf = useCallback((u: number): UnitSummary | null => byUnit.get(u)?.[order.pooling] ?? null, [byUnit, order.pooling]);
  const ordered = useMemo(() => orderUnits(unitCount, summaryOf, order), [unitCount, summaryOf, order]);

  const crumbs = (
    <Breadcrumbs
      items={[
        { label: 'Studies', href: routes.home() },
        { label: path.study, href: routes.study(path.study) },
        { label: versionRef(path.model, path.version), href: routes.version(path, dataset) },
        { label: path.layer },
      ]}
    />
  );
  if (detail.error) {
    return (
      <>
        {crumbs}
        <ErrorPanel error={detail.error} what={`layer ${path.layer}`} />
      </>
    );
  }
  if (!detail.data) return crumbs;
  if (!layer) {
    return (
      <>
        {crumbs}
        <Missing title={`${versionRef(path.model, path.version)} has no layer named “${path.layer}”.`}>
          <Link href={routes.version(path, dataset)}>See its layers</Link>
        </Missing>
      </>
    );
  }

  const statCount = stats.data?.units.length ?? 0;
  const datasetName = stats.data?.dataset ?? dataset;
  const layers = detail.data.layers;
  const at = layers.findIndex((l) => l.name === layer.name);
  const neighbour = (l: (typeof layers)[number] | undefined, rel: string) =>
    l ? (
      <Link className="btn btn-small" rel={rel} href={routes.layer({ ...path, layer: l.name }, { dataset })} title={l.name}>
        {rel === 'prev' ? '← ' : ''}
        {l.name}
        {rel === 'next' ? ' →' : ''}
      </Link>
    ) : null;

  return (
    <>
      {crumbs}
      <PageHeader
        eyebrow={`Layer ${layer.index} · ${layer.op}`}
        title={<span className="mono">{layer.name}</span>}
        actions={
          <div className={styles.unitNav}>
            {neighbour(layers[at - 1], 'prev')}
            {neighbour(layers[at + 1], 'next')}
          </div>
        }
      >
        <p>
          {formatCount(layer.unitCount)} units · output {formatShape(layer.outputShape)} · {formatCount(statCount)} with statistics
          {datasetName ? (
            <>
              {' '}
              over <span className="mono">{datasetName}</span>
            </>
          ) : null}{' '}
          · {formatCount(renderByUnit.size)} rendered
        </p>
      </PageHeader>

      <div className={styles.notes}>
        {stats.error && <ErrorPanel error={stats.error} what="unit statistics" />}
        {stats.data && !stats.data.dataset && <Missing compact title="The study has no probe dataset, so no unit statistics." advice={advice.addDataset(path.study)} />}
        {stats.data?.dataset && statCount === 0 && (
          <Missing compact title="No unit statistics for this layer yet: tiles show unit numbers only." advice={advice.activations(path.study, path.model, path.version, dataset)} />
        )}
        {renders.error && <ErrorPanel error={renders.error} what="the list of renders" />}
        {renders.data && renderByUnit.size === 0 && (
          <Missing compact title="No feature visualizations rendered for this layer yet: tiles show each unit’s activation histogram instead.">
            “Render every unit” below requests them; the tiles fill in as they are stored.
          </Missing>
        )}
      </div>

      <LayerWork path={path} versionId={versionId} jobs={jobs.data ?? []} dream={dream} unitCount={layer.unitCount} />

      <Section
        title="Units"
        aside={order.sort === 'unit' ? 'in unit order' : `by ${SORT_LABELS[order.sort].toLowerCase()}, ${order.pooling}-pooled, ${order.dir === 'desc' ? 'highest first' : 'lowest first'}`}
        tools={<OrderControls order={order} onChange={setOrder} disabled={statCount === 0} />}
      >
        <VirtualGrid
          count={ordered.length}
          tile={TILE}
          label={`Units of ${layer.name}`}
          renderTile={(pos, tabIndex) => {
            const unit = ordered[pos];
            return (
              <UnitTile
                key={unit}
                pos={pos}
                tabIndex={tabIndex}
                unit={unit}
                href={routes.unit({ ...path, unit }, dataset)}
                row={byUnit.get(unit)}
                pooling={order.pooling}
                sort={order.sort}
                render={renderByUnit.get(unit)}
              />
            );
          }}
        />
      </Section>
    </>
  );
}

function OrderControls({ order, onChange, disabled }: { order: GridOrder; onChange: (o: GridOrder) => void; disabled: boolean }) {
  return (
    <div className={styles.toolbar}>
      <label className={styles.control}>
        Sort by
        <select
          value={order.sort}
          disabled={disabled && order.sort === 'unit'}
          onChange={(e) => {
            const sort = e.target.value as SortKey;
            onChange({ ...order, sort, dir: sort === 'unit' ? 'asc' : 'desc' });
          }}
        >
          {SORT_KEYS.map((k) => (
            <option key={k} value={k}>
              {SORT_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => onChange({ ...order, dir: order.dir === 'asc' ? 'desc' : 'asc' })}
        aria-label={`Order: ${order.dir === 'asc' ? 'ascending' : 'descending'}. Reverse it`}
      >
        {order.dir === 'asc' ? '↑ ascending' : '↓ descending'}
      </button>
      <fieldset className={styles.segmented}>
        <legend>Pooling</legend>
        {POOLINGS.map((p) => (
          <label key={p} title={p === 'max' ? 'Spatial maximum per image' : 'Spatial mean per image'}>
            <input type="radio" name="pooling" value={p} checked={order.pooling === p} onChange={() => onChange({ ...order, pooling: p })} />
            {p}-pooled
          </label>
        ))}
      </fieldset>
    </div>
  );
}

function UnitTile({
  pos,
  tabIndex,
  unit,
  href,
  row,
  pooling,
  sort,
  render,
}: {
  pos: number;
  tabIndex: 0 | -1;
  unit: number;
  href: string;
  row: UnitRow | undefined;
  pooling: 'max' | 'mean';
  sort: SortKey;
  render: string | undefined;
}) {
  const s = row?.[pooling] ?? null;
  const shownKey: Exclude<SortKey, 'unit'> = sort === 'unit' ? 'max' : sort;
  const shown = s ? (shownKey === 'fractionPositive' ? formatPercent(s.fractionPositive) : formatNumber(s[shownKey], 3)) : null;
  const dead = s !== null && s.max <= 0;
  const description = s
    ? `Unit ${unit}: max ${formatNumber(s.max)}, mean ${formatNumber(s.mean)}, std ${formatNumber(s.std)}, active on ${formatPercent(s.fractionPositive)} of images${dead ? ' (never active)' : ''}`
    : `Unit ${unit}: no statistics yet`;
  return (
    <Link href={href} prefetch={false} className={`${grid.tile} ${dead ? grid.dead : ''}`} data-pos={pos} tabIndex={tabIndex} title={description} aria-label={description}>
      <div className={grid.thumb}>
        {render ? (
          // eslint-disable-next-line @next/next/no-img-element -- immutable blobs with their own cache headers; no optimiser in between.
          <img src={routes.blob(render)} alt="" loading="lazy" decoding="async" width={TILE.width} height={TILE.width} />
        ) : s ? (
          <>
            <Sparkline counts={s.sparkline} width={92} height={40} />
            <span className={grid.bigValue}>{shown}</span>
            <span className={grid.valueLabel}>{shownKey === 'fractionPositive' ? 'active' : shownKey}</span>
          </>
        ) : (
          <span className={grid.noData}>no data</span>
        )}
      </div>
      <div className={grid.caption}>
        <span className={grid.unit}>#{unit}</span>
        {render && shown && <span className={grid.captionValue}>{shown}</span>}
      </div>
    </Link>
  );
}
