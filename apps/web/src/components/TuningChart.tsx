'use client';

import { CartesianGrid, Legend, Line, LineChart, ReferenceDot, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { sequentialColor } from '../lib/color';
import { formatNumber } from '../lib/format';
import { formatParameter, type TuningChart as Chart } from '../lib/tuning';

/** Line colours along the sequential scale, stopping short of its pale yellow end (unreadable on white). */
const seriesColor = (i: number, n: number) => sequentialColor(0.08 + (0.72 * i) / Math.max(1, n - 1));

/** One stimulus family's tuning curves of a unit: the swept parameter along x, a line per fixed setting. */
export function TuningChart({ chart, unit, height = 210 }: { chart: Chart; unit: number; height?: number }) {
  const { parameter, series, rows, peak, stimulus } = chart;
  const summary = peak
    ? `strongest response ${formatNumber(peak.response, 3)} at ${parameter} ${formatParameter(parameter, peak.x)}${series.length > 1 ? ` (${peak.series})` : ''}`
    : 'no responses';
  return (
    <figure style={{ margin: 0 }} data-tuning={stimulus}>
      <div role="img" aria-label={`Unit ${unit}'s response to ${stimulus} stimuli against ${parameter}, ${series.length} curve${series.length === 1 ? '' : 's'}: ${summary}`}>
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={rows} margin={{ top: 8, right: 10, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--border)" vertical={false} />
            <XAxis
              dataKey="x"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={(v: number) => formatParameter(parameter, v)}
              stroke="var(--muted)"
              fontSize={11}
              tickLine={false}
              minTickGap={16}
            />
            <YAxis stroke="var(--muted)" fontSize={11} width={46} tickLine={false} tickFormatter={(v: number) => formatNumber(v, 3)} />
            <Tooltip
              content={({ active, payload, label }) =>
                active && payload?.length ? (
                  <div style={{ background: 'var(--surface)', border: '1px solid var(--border-strong)', borderRadius: 4, padding: '4px 8px', fontSize: 12 }}>
                    <div>
                      {parameter} {formatParameter(parameter, Number(label))}
                    </div>
                    {payload.map((p) => (
                      <div key={String(p.dataKey)} style={{ color: p.color }}>
                        {p.name}: <strong>{formatNumber(Number(p.value), 3)}</strong>
                      </div>
                    ))}
                  </div>
                ) : null
              }
            />
            {series.map((s, i) => (
              <Line key={s.key} dataKey={s.key} name={s.label} stroke={seriesColor(i, series.length)} strokeWidth={1.6} dot={false} isAnimationActive={false} connectNulls type="monotone" />
            ))}
            {series.length > 1 && <Legend iconType="plainline" wrapperStyle={{ fontSize: 11 }} itemSorter={(item) => Number(String(item.dataKey).slice(1))} />}
            {peak && <ReferenceDot x={peak.x} y={peak.response} r={4} fill="var(--pos)" stroke="var(--surface)" />}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption style={{ fontSize: '0.8rem', color: 'var(--muted)' }}>
        <strong style={{ color: 'var(--text-2)' }}>{stimulus}</strong> · {summary}
      </figcaption>
    </figure>
  );
}
