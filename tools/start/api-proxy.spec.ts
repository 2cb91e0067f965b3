import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createAnalyticsRouter } from '@microscope/analytics';
import { createIngestRouter } from '@microscope/ingest';
import { publicProcedure, router } from '@microscope/platform';
import { z } from 'zod';
import { createApiProxy } from './api-proxy';
import { ANALYTICS_PROCEDURES, serviceOf } from './trpc-routing';

/**
 * The dashboard's proxy in distributed mode, between a real tRPC client (batching as the browser's does) and two
 * real tRPC servers standing in for ingest and analytics, each answering only its own procedures.
 */
const ingestRouter = router({
  studies: router({
    list: publicProcedure.query(() => ['demo', 'seeds']),
    get: publicProcedure.input(z.object({ study: z.string() })).query(({ input }) => ({ study: input.study, by: 'ingest' })),
    create: publicProcedure.input(z.object({ name: z.string() })).mutation(({ input }) => ({ created: input.name, by: 'ingest' })),
  }),
});
const analyticsRouter = router({
  units: router({
    get: publicProcedure.input(z.object({ unit: z.number() })).query(({ input }) => ({ unit: input.unit, by: 'analytics' })),
  }),
  tuning: router({
    forUnit: publicProcedure.input(z.object({ unit: z.number() })).query(({ input }) => ({ curves: input.unit * 2, by: 'analytics' })),
    touch: publicProcedure.input(z.object({ unit: z.number() })).mutation(({ input }) => ({ touched: input.unit, by: 'analytics' })),
  }),
});
/** What the browser's client sees: both routers as one API. */
const productRouter = router({ studies: ingestRouter.studies, units: analyticsRouter.units, tuning: analyticsRouter.tuning });

interface Service {
  url: URL;
  /** Every request path the service received. */
  seen: string[];
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<URL> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

async function startService(routerOf: typeof ingestRouter | typeof analyticsRouter): Promise<Service> {
  const handler = createHTTPHandler({ router: routerOf, basePath: '/trpc/' });
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    handler(req, res);
  });
  const url = await listen(server);
  return {
    url,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function startProxy(ingest: URL, analytics: URL) {
  const server = http.createServer(createApiProxy({ ingest, analytics }));
  const url = await listen(server);
  return {
    client: createTRPCClient<typeof productRouter>({ links: [httpBatchLink({ url: `${url.origin}/trpc` })] }),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the dashboard proxy in distributed mode', () => {
  let ingest: Service;
  let analytics: Service;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeEach(async () => {
    ingest = await startService(ingestRouter);
    analytics = await startService(analyticsRouter);
    proxy = await startProxy(ingest.url, analytics.url);
  });
  afterEach(async () => {
    await proxy.close();
    await ingest.close();
    await analytics.close();
  });

  it("splits a batch of both services' queries and answers it in the caller's order", async () => {
    // Started in one tick: the client sends them as one batched GET.
    const [unit, study, curves, list] = await Promise.all([
      proxy.client.units.get.query({ unit: 3 }),
      proxy.client.studies.get.query({ study: 'demo' }),
      proxy.client.tuning.forUnit.query({ unit: 5 }),
      proxy.client.studies.list.query(),
    ]);
    expect(unit).toEqual({ unit: 3, by: 'analytics' });
    expect(study).toEqual({ study: 'demo', by: 'ingest' });
    expect(curves).toEqual({ curves: 10, by: 'analytics' });
    expect(list).toEqual(['demo', 'seeds']);
    expect(ingest.seen).toEqual(['/trpc/studies.get,studies.list']);
    expect(analytics.seen).toEqual(['/trpc/units.get,tuning.forUnit']);
  });

  it('splits a batch of both services\' mutations (POST bodies) the same way', async () => {
    const [touched, created] = await Promise.all([proxy.client.tuning.touch.mutate({ unit: 7 }), proxy.client.studies.create.mutate({ name: 'seeds' })]);
    expect(touched).toEqual({ touched: 7, by: 'analytics' });
    expect(created).toEqual({ created: 'seeds', by: 'ingest' });
    expect(ingest.seen).toEqual(['/trpc/studies.create']);
    expect(analytics.seen).toEqual(['/trpc/tuning.touch']);
  });

  it('sends a batch of one service straight there, errors included', async () => {
    await expect(Promise.all([proxy.client.units.get.query({ unit: 1 }), proxy.client.tuning.forUnit.query({ unit: 2 })])).resolves.toEqual([
      { unit: 1, by: 'analytics' },
      { curves: 4, by: 'analytics' },
    ]);
    const invalid = await proxy.client.studies.get.query({ study: 7 as unknown as string }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(TRPCClientError);
    expect((invalid as TRPCClientError<typeof productRouter>).data?.code).toBe('BAD_REQUEST');
    expect(ingest.seen).toEqual(['/trpc/studies.get']);
    expect(analytics.seen).toEqual(['/trpc/units.get,tuning.forUnit']);
  });

  it("answers one service's calls when the other is down, and names the one that is", async () => {
    await analytics.close();
    const [unit, study] = await Promise.allSettled([proxy.client.units.get.query({ unit: 3 }), proxy.client.studies.get.query({ study: 'demo' })]);
    expect(study).toEqual({ status: 'fulfilled', value: { study: 'demo', by: 'ingest' } });
    expect(unit.status).toBe('rejected');
    const error = (unit as PromiseRejectedResult).reason as TRPCClientError<typeof productRouter>;
    expect(error.message).toContain(`the analytics service did not answer (${analytics.url.origin}`);
    expect(error.data?.code).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('the dashboard proxy in front of one API (the single-process product)', () => {
  it('sends every call there, batches whole', async () => {
    const both = await startService(productRouter as unknown as typeof ingestRouter);
    const proxy = await startProxy(both.url, both.url);
    try {
      const [unit, study] = await Promise.all([proxy.client.units.get.query({ unit: 3 }), proxy.client.studies.get.query({ study: 'demo' })]);
      expect([unit, study]).toEqual([
        { unit: 3, by: 'analytics' },
        { study: 'demo', by: 'ingest' },
      ]);
      expect(both.seen).toEqual(['/trpc/units.get,studies.get']);
    } finally {
      await proxy.close();
      await both.close();
    }
  });
});

describe('the routing rule', () => {
  const procedures = (r: unknown) => Object.keys((r as { _def: { procedures: Record<string, unknown> } })._def.procedures);
  // Built only to list their procedures: nothing is called.
  const analyticsProcedures = procedures(createAnalyticsRouter({ warehouse: {} as never, catalog: {} as never }));
  const ingestProcedures = procedures(createIngestRouter({} as never));

  it("sends every analytics procedure to analytics and every ingest procedure to ingest", () => {
    expect(analyticsProcedures.length).toBeGreaterThan(5);
    expect(ingestProcedures.length).toBeGreaterThan(10);
    expect(analyticsProcedures.filter((p) => serviceOf(p) !== 'analytics')).toEqual([]);
    expect(ingestProcedures.filter((p) => serviceOf(p) !== 'ingest')).toEqual([]);
  });

  it('is the same in the CLI, the dashboard server and the dashboard dev server', () => {
    const root = path.join(__dirname, '..', '..');
    const literal = (file: string) => /ANALYTICS_PROCEDURES = (\/.*\/);/.exec(readFileSync(path.join(root, file), 'utf8'))?.[1];
    // The CLI uses this module's rule itself; the dashboard's bundles cannot import tools/, so they hold copies.
    expect(readFileSync(path.join(root, 'tools/cli/api-client.ts'), 'utf8')).toMatch(/import \{ ANALYTICS_PROCEDURES \} from '\.\.\/start\/trpc-routing';/);
    expect(literal('apps/web/src/trpc/server.tsx')).toBe(String(ANALYTICS_PROCEDURES));
    const prefixes = /ANALYTICS_PREFIXES = \[(.*)\];/.exec(readFileSync(path.join(root, 'apps/web/next.config.js'), 'utf8'))?.[1];
    expect(`/^(${prefixes?.replace(/['\s]/g, '').split(',').join('|')})\\./`).toBe(String(ANALYTICS_PROCEDURES));
  });
});
