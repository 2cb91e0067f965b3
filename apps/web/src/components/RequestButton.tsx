'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useWhenJobsEnd } from '../hooks/useStudyJobs';
import { combinedProgress, isActive, type JobLike } from '../lib/jobs';
import { formatPercent } from '../lib/format';
import { serverErrorInfo } from '../lib/server-errors';
import { useTRPC } from '../trpc/react';
import { ProgressBar, StatusBadge } from './JobStatus';
import styles from './ui.module.css';

/** Several jobs (or one) as one live line: status, progress bar, percentage and the worker's latest message. */
export function JobProgress({ jobs, label, compact }: { jobs: readonly JobLike[]; label: string; compact?: boolean }) {
  const line = combinedProgress(jobs);
  if (!line) return null;
  const moving = line.status !== 'succeeded' && line.status !== 'failed';
  return (
    <span className={`${styles.jobProgress} ${compact ? styles.jobProgressCompact : ''}`} data-job-status={line.status} title={compact ? `${label}: ${line.status}${line.message ? ` · ${line.message}` : ''}` : undefined}>
      <StatusBadge status={line.status} />
      {moving && <ProgressBar value={line.progress} status={line.status} label={`${label} progress`} />}
      {moving && !compact && <span className="num">{formatPercent(line.progress)}</span>}
      {line.message && !compact && (
        <span className={`${styles.jobMessage} ${line.status === 'failed' ? styles.jobFailed : 'muted'}`} title={line.message}>
          {line.message}
        </span>
      )}
    </span>
  );
}

/**
 * Requests work through the API and then follows it: the button while nothing is under way (or to retry a failed
 * job), the jobs' live progress while they run. `jobs` are the page's view of the jobs this button is about (from
 * the study's job list, which the page polls while they run); the jobs a request returns are followed too, looked
 * up in `studyJobs` as it refreshes. `onEnded` runs when a followed job ends: reload what it made.
 */
export function RequestButton({
  label,
  request,
  jobs,
  studyJobs = [],
  what,
  small,
  compact,
  primary = !small && !compact,
  disabled,
  disabledReason,
  onEnded,
}: {
  label: string;
  /** Calls the API's request mutation(s); resolves with the jobs they queued (or found already done). */
  request: () => Promise<readonly JobLike[]>;
  jobs: readonly JobLike[];
  studyJobs?: readonly JobLike[];
  /** What the jobs make, for labels: "tuning curves of conv1". */
  what: string;
  small?: boolean;
  /** For table cells: the status and bar only, the message as a tooltip. */
  compact?: boolean;
  /** The page's main action (filled); by default unless small or compact. */
  primary?: boolean;
  disabled?: boolean;
  /** Said beside a disabled button. */
  disabledReason?: string;
  onEnded?: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [requested, setRequested] = useState<readonly JobLike[]>([]);
  const mutation = useMutation({
    mutationFn: request,
    onSuccess: (queued) => setRequested(queued),
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() }), queryClient.invalidateQueries({ queryKey: trpc.studies.get.queryKey() })]),
  });
  const latest = new Map(studyJobs.map((j) => [j.id, j]));
  const followed = [...new Map([...requested.map((j) => latest.get(j.id) ?? j), ...jobs].map((j) => [j.id, j])).values()];
  useWhenJobsEnd(followed, () => onEnded?.());
  const running = followed.some((j) => isActive(j.status));
  const allDone = followed.length > 0 && followed.every((j) => j.status === 'succeeded');
  const failed = !running && followed.some((j) => j.status === 'failed');
  return (
    <span className={styles.request}>
      {!running && !allDone && (
        <button
          type="button"
          className={`btn ${small || compact ? 'btn-small' : ''} ${primary && !failed ? 'btn-primary' : ''}`}
          disabled={disabled || mutation.isPending}
          aria-label={`${failed ? 'Retry' : label}: ${what}`}
          onClick={() => mutation.mutate()}
        >
          {mutation.isPending ? 'Requesting…' : failed ? `Retry: ${label.toLowerCase()}` : label}
        </button>
      )}
      {disabled && disabledReason && <span className="muted">{disabledReason}</span>}
      <JobProgress jobs={followed} label={what} compact={compact} />
      {mutation.error && (
        <span role="alert" className={styles.jobFailed}>
          {serverErrorInfo(mutation.error).message}
        </span>
      )}
    </span>
  );
}
