import { formatAgo } from '../lib/format';

/**
 * "3 min ago", with the exact time on hover. The server and the browser render it moments apart, so the text
 * may differ by a second: that difference is expected, not a hydration error.
 */
export function RelativeTime({ iso, className }: { iso: string; className?: string }) {
  return (
    <time dateTime={iso} title={iso} className={className} suppressHydrationWarning>
      {formatAgo(iso)}
    </time>
  );
}
