/** Numbers for dense tables: about four significant digits, no exponent soup for ordinary magnitudes. */
export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-3) return x.toExponential(Math.max(0, digits - 2)).replace('-', '−');
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  const text = x.toFixed(Math.min(decimals, 6));
  // Trailing zeros after the point add width, not information.
  return (text.includes('.') ? text.replace(/\.?0+$/, '') : text).replace('-', '−');
}

export function formatPercent(fraction: number | null | undefined, decimals = 0): string {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return '—';
  return `${(fraction * 100).toFixed(decimals)}%`;
}

export function formatShape(shape: number[]): string {
  return shape.length ? shape.join(' × ') : 'scalar';
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "3 min ago", for job updates; absolute dates for anything older than a week. */
export function formatAgo(iso: string, now: Date = new Date()): string {
  const then = new Date(iso);
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  if (seconds < 7 * 86400) return `${Math.floor(seconds / 86400)} d ago`;
  return then.toISOString().slice(0, 10);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}
