'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { serverErrorInfo } from '../lib/server-errors';
import { useTRPC } from '../trpc/react';
import styles from '../app/pages.module.css';

/** Asks for dataset activations: the whole study, or one version (× one dataset) from a table cell. */
export function RequestActivations({ study, model, version, dataset, small, disabled }: { study: string; model?: string; version?: string; dataset?: string; small?: boolean; disabled?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const request = useMutation(
    trpc.jobs.requestActivations.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.studies.get.queryKey({ study }) }),
          queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey({ study }) }),
        ]),
    }),
  );
  const label = small ? (request.isPending ? 'Queuing…' : 'Extract') : request.isPending ? 'Requesting…' : 'Request activations';
  return (
    <>
      <button
        type="button"
        className={`btn ${small ? 'btn-small' : 'btn-primary'}`}
        disabled={disabled || request.isPending}
        aria-label={small ? `Extract activations of ${model}@${version}${dataset ? ` on ${dataset}` : ''}` : undefined}
        title={small ? undefined : 'Extract dataset activations for every version × dataset that has none (already computed ones are kept)'}
        onClick={() => request.mutate({ study, model, version, dataset })}
      >
        {label}
      </button>
      {request.error && (
        <span role="alert" className={styles.failText}>
          {serverErrorInfo(request.error).message}
        </span>
      )}
    </>
  );
}
