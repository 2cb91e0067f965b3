'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { isActive, newlyEnded, type JobLike } from '../lib/jobs';
import { useTRPC } from '../trpc/react';

/** How often a page refreshes the study's jobs while one it shows is queued or running. */
export const LIVE_MS = 1500;

/**
 * The study's jobs, refreshed every LIVE_MS while any job the page cares about (`watch`; all by default) is queued
 * or running, so its progress bars move without a reload.
 */
export function useStudyJobs(study: string, watch: (job: JobLike) => boolean = () => true) {
  const trpc = useTRPC();
  return useQuery(
    trpc.jobs.list.queryOptions(
      { study },
      { refetchInterval: (q) => (q.state.data?.some((j) => watch(j) && isActive(j.status)) ? LIVE_MS : false) },
    ),
  );
}

/**
 * Calls `onEnded` when a job of `jobs` that was queued or running has ended (succeeded or failed): the moment to
 * reload what it produces.
 */
export function useWhenJobsEnd<J extends JobLike>(jobs: readonly J[], onEnded: (ended: J[]) => void): void {
  const wasActive = useRef<Set<string>>(new Set());
  const callback = useRef(onEnded);
  useEffect(() => {
    callback.current = onEnded;
  });
  useEffect(() => {
    const ended = newlyEnded(wasActive.current, jobs);
    wasActive.current = new Set(jobs.filter((j) => isActive(j.status)).map((j) => j.id));
    if (ended.length) callback.current(ended);
  }, [jobs]);
}
