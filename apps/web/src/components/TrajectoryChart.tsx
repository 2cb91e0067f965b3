'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatNumber } from '../lib/format';

export interface TrajectoryPoint {
  version: string;
  /** Correlation of the tracked unit with its match one checkpoint towards the anchor. */
  link: number | null;
  /** Correlation of the anchor unit's direct best match in this version. */
  direct: number | null;
  /** Similarity of the whole layer to the same layer of the last version. */
  layer: number | null;
}

const LINES = [
  { key: 'link', name: 'link to the neighbouring checkpoint (r)', color: 'var(--accent)' },
  { key: 'direct', name: 'direct best match from this page’s unit (r)', color: 'var(--pos)' },
  { key: 'layer', name: 'layer similarity to the last version', color: 'var(--muted)' },
] as const;

/** A unit across a model's checkpoints: how strongly each step's match holds, and how the whole layer settles. */
export function TrajectoryChart({ points, label, metric }: { points: TrajectoryPoint[]; label: string; metric: string }) {
  return (
    <div role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={points} margin={{ top: 8, right: 10, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--border)" vertical={false} />
          <XAxis dataKey="version" stroke="var(--muted)" fontSize={11} tickLine={false} />
          <YAxis stroke="var(--muted)" fontSize={11} width={40} tickLine={false} domain={[(min: number) => Math.min(0, Math.floor(min * 10) / 10), 1]} tickFormatter={(v: number) => formatNumber(v, 2)} />
          <Tooltip formatter={(v) => formatNumber(Number(v), 3)} contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border-strong)', fontSize: 12 }} />
          <Legend wrapperStyle={{ fontSize: 11 }} iconType="plainline" itemSorter={(item) => LINES.findIndex((l) => l.key === item.dataKey)} />
          {LINES.map((l) => (
            <Line
              key={l.key}
              dataKey={l.key}
              name={l.key === 'layer' ? `layer ${metric} to the last version` : l.name}
              stroke={l.color}
              strokeWidth={l.key === 'layer' ? 1.2 : 1.8}
              strokeDasharray={l.key === 'layer' ? '4 3' : undefined}
              dot={{ r: 3 }}
              isAnimationActive={false}
              connectNulls={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
