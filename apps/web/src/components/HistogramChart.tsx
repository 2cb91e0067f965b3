'use client';

import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount, formatNumber } from '../lib/format';
import { histogramRows } from '../lib/geometry';

/** A unit's activation histogram over the probe set; bins above zero warm, below zero cool. */
export function HistogramChart({ histogram, label, height = 190 }: { histogram: { edges: number[]; counts: number[] }; label: string; height?: number }) {
  const rows = histogramRows(histogram);
  const total = rows.reduce((n, r) => n + r.count, 0);
  const peak = rows.reduce((best, r) => (r.count > best.count ? r : best), rows[0] ?? { from: 0, to: 0, mid: 0, count: 0 });
  return (
    <div role="img" aria-label={`${label}: ${formatCount(total)} images in ${rows.length} bins from ${formatNumber(rows[0]?.from)} to ${formatNumber(rows.at(-1)?.to)}, most between ${formatNumber(peak.from)} and ${formatNumber(peak.to)}`}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={rows} margin={{ top: 6, right: 8, bottom: 0, left: 0 }} barCategoryGap={1}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="mid" tickFormatter={(v: number) => formatNumber(v, 3)} stroke="var(--muted)" fontSize={11} minTickGap={18} tickLine={false} />
          <YAxis stroke="var(--muted)" fontSize={11} width={44} allowDecimals={false} tickLine={false} />
          <Tooltip
            cursor={{ fill: 'var(--surface-3)' }}
            content={({ active, payload }) => {
              const row = active && payload?.[0] ? (payload[0].payload as (typeof rows)[number]) : null;
              return row ? (
                <div style={{ background: 'var(--surface)', border: '1px solid var(--border-strong)', borderRadius: 4, padding: '4px 8px', fontSize: 12 }}>
                  {formatNumber(row.from)} … {formatNumber(row.to)}: <strong>{formatCount(row.count)}</strong> images
                </div>
              ) : null;
            }}
          />
          <Bar dataKey="count" isAnimationActive={false}>
            {rows.map((r, i) => (
              <Cell key={i} fill={r.mid > 0 ? 'var(--pos)' : 'var(--neg)'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
