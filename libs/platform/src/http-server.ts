import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyRouter } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { isMicroscopeError, type ErrorCode } from '@microscope/contracts';
import type { Logger } from './logger';

/** A plain HTTP route beside tRPC: uploads and image streaming, which are bytes, not JSON. */
export interface Route {
  method: 'GET' | 'PUT' | 'POST';
  /** Matched against the path; named groups become params. */
  path: RegExp;
  handle(req: http.IncomingMessage, res: http.ServerResponse, params: Record<string, string>): Promise<void>;
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

const httpStatus: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_INPUT: 400,
  INVALID_MODEL: 422,
  UNSUPPORTED: 422,
  INVALID_IMAGE: 422,
  TOO_LARGE: 413,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * One HTTP server: tRPC under /trpc, the extra byte routes, and /health. Every app uses it, alone in distributed
 * mode or with all routers merged in the single-process product.
 */
export async function startApiServer(opts: {
  router: AnyRouter;
  routes?: Route[];
  host?: string;
  port: number;
  log: Logger;
  health?: () => Promise<Record<string, unknown>>;
}): Promise<ApiServer> {
  const trpc = createHTTPHandler({
    router: opts.router,
    basePath: '/trpc/',
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') opts.log.error({ err: error, path }, 'API error');
    },
  });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Tools on other ports (the dashboard in development) call the API from the browser.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'content-type');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (url.pathname.startsWith('/trpc/')) return trpc(req, res);
    if (url.pathname === '/health') {
      void (opts.health?.() ?? Promise.resolve({})).then(
        (info) => sendJson(res, 200, { ok: true, ...info }),
        (e: Error) => sendJson(res, 503, { ok: false, error: e.message }),
      );
      return;
    }
    for (const route of opts.routes ?? []) {
      const match = route.method === req.method ? route.path.exec(url.pathname) : null;
      if (!match) continue;
      route.handle(req, res, { ...match.groups }).catch((e: unknown) => {
        if (!isMicroscopeError(e)) opts.log.error({ err: e, path: url.pathname }, 'route failed');
        if (res.headersSent) return void res.destroy();
        const status = isMicroscopeError(e) ? httpStatus[e.code] : 500;
        sendJson(res, status, { error: { code: isMicroscopeError(e) ? e.code : 'INTERNAL', message: (e as Error).message } });
      });
      return;
    }
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
