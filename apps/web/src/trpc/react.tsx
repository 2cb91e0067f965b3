'use client';

import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import type { ProductRouter } from './api';
import { createQueryClient } from './query-client';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<ProductRouter>();

let browserQueryClient: QueryClient | undefined;

/** One query client per browser tab (shared across navigations); a fresh one per server render. */
function getQueryClient(): QueryClient {
  if (typeof window === 'undefined') return createQueryClient();
  return (browserQueryClient ??= createQueryClient());
}

/** The browser calls the dashboard's own origin; the dashboard's server forwards /trpc to the API. */
function trpcUrl(): string {
  return typeof window === 'undefined' ? `${process.env.MICROSCOPE_API_URL ?? 'http://127.0.0.1:4300'}/trpc` : `${window.location.origin}/trpc`;
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() => createTRPCClient<ProductRouter>({ links: [httpBatchLink({ url: trpcUrl() })] }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
