import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, splitLink } from '@trpc/client';
import { createTRPCOptionsProxy, type TRPCQueryOptions } from '@trpc/tanstack-react-query';
import { connection } from 'next/server';
import { cache, type ReactNode } from 'react';
import type { ProductRouter } from './api';
import { preferredDataset } from '../lib/jobs';
import { createQueryClient } from './query-client';

/** The API as seen from the dashboard's server: straight to MICROSCOPE_API_URL, read when a request arrives. */
export function apiUrl(): string {
  return (process.env.MICROSCOPE_API_URL ?? 'http://127.0.0.1:4300').replace(/\/$/, '');
}

/** The analytics service: its own address in distributed mode (MICROSCOPE_ANALYTICS_URL), else the API's. */
export function analyticsUrl(): string {
  return (process.env.MICROSCOPE_ANALYTICS_URL ?? apiUrl()).replace(/\/$/, '');
}

/**
 * Procedures the analytics service answers; the same rule as tools/start/trpc-routing.ts (whose spec checks this
 * copy). Each service gets its own batches, so no batch mixes the two.
 */
const ANALYTICS_PROCEDURES = /^(units|unitStats|layers|compare|tuning)\./;

/** One query client per server request, shared by the page and its layouts. */
export const getQueryClient = cache(createQueryClient);

// The environment is set before the server loads this module (tools/start/web.ts), so reading it once is enough.
export const trpc = createTRPCOptionsProxy<ProductRouter>({
  client: createTRPCClient<ProductRouter>({
    links: [
      splitLink({
        condition: (op) => ANALYTICS_PROCEDURES.test(op.path),
        true: httpBatchLink({ url: `${analyticsUrl()}/trpc` }),
        false: httpBatchLink({ url: `${apiUrl()}/trpc` }),
      }),
    ],
  }),
  queryClient: getQueryClient,
});

/**
 * Starts queries on the server so the first HTML already holds the page's data. Awaited, so a page renders
 * with its data rather than a spinner; errors are kept in the cache and the client shows them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function prefetch(...queries: ReturnType<TRPCQueryOptions<any>>[]): Promise<void> {
  // Every page reads live data: never prerender at build time.
  await connection();
  const client = getQueryClient();
  await Promise.all(queries.map((q) => client.prefetchQuery(q)));
}

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}

/**
 * The probe set a version's page shows when the URL names none (see preferredDataset). Reads the study through the
 * request's query cache, so the page's client gets it too.
 */
export async function defaultDataset(study: string, model: string, version: string): Promise<string | undefined> {
  await connection();
  try {
    const detail = await getQueryClient().fetchQuery(trpc.studies.get.queryOptions({ study }));
    return preferredDataset(detail, model, version) ?? undefined;
  } catch {
    // The page's own queries report what is wrong (no such study).
    return undefined;
  }
}
