import { createTRPCClient, httpLink } from '@trpc/client';
import { MicroscopeError } from '@microscope/contracts';
import { z } from 'zod';
import { startApiServer, type ApiServer } from './http-server';
import { createLogger } from './logger';
import { publicProcedure, router } from './trpc';

const testRouter = router({
  echo: publicProcedure.input(z.object({ n: z.number().int() })).query(({ input }) => input.n * 2),
  missing: publicProcedure.query(() => {
    throw new MicroscopeError('NOT_FOUND', 'no study named "x"');
  }),
  conflict: publicProcedure.mutation(() => {
    throw new MicroscopeError('CONFLICT', 'already exists');
  }),
});

describe('startApiServer', () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer({
      router: testRouter,
      port: 0,
      log: createLogger('test', 'silent'),
      health: async () => ({ app: 'test' }),
      routes: [
        {
          method: 'GET',
          path: /^\/bytes\/(?<name>[a-z]+)$/,
          async handle(_req, res, params) {
            if (params.name === 'gone') throw new MicroscopeError('NOT_FOUND', 'no such bytes');
            res.writeHead(200).end(params.name);
          },
        },
      ],
    });
  });
  afterAll(() => server.close());

  const client = () => createTRPCClient<typeof testRouter>({ links: [httpLink({ url: `${server.url}/trpc` })] });

  it('serves tRPC, typed errors keep their message and map to HTTP statuses', async () => {
    expect(await client().echo.query({ n: 21 })).toBe(42);
    await expect(client().missing.query()).rejects.toMatchObject({ message: 'no study named "x"', data: { httpStatus: 404, microscopeCode: 'NOT_FOUND' } });
    await expect(client().conflict.mutate()).rejects.toMatchObject({ data: { httpStatus: 409 } });
    await expect(client().echo.query({ n: 1.5 })).rejects.toMatchObject({ data: { httpStatus: 400 } });
  });

  it('serves byte routes with typed errors as JSON, health, and 404 for the rest', async () => {
    expect(await (await fetch(`${server.url}/bytes/abc`)).text()).toBe('abc');
    const gone = await fetch(`${server.url}/bytes/gone`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such bytes' } });
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ ok: true, app: 'test' });
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
  });
});
