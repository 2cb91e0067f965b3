import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApiProxy } from './api-proxy';

/** The Next.js dashboard's project folder. */
export const WEB_DIR = path.join(__dirname, '..', '..', 'apps', 'web');

/** Paths the browser calls on the dashboard's origin that belong to the API: JSON, uploads and images. */
const API_PATHS = /^\/(trpc\/|blobs\/|uploads(\/|$))/;

export interface WebOptions {
  /** The API the dashboard reads (tools/start/product.ts's `url`; ingest's address in distributed mode). */
  apiUrl: string;
  /** The analytics service, where it has its own address (distributed mode); else the API answers its calls too. */
  analyticsUrl?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Next's development server (hot reload) instead of the production build. */
  dev?: boolean;
  /** Where progress lines go (the URL, the build); console.log by default. */
  log?: (line: string) => void;
}

export interface WebServer {
  url: string;
  /** How long `next build` took before starting, if it had to run; null when the existing build was current. */
  buildMs: number | null;
  close(): Promise<void>;
}

/**
 * Starts the dashboard in this process: Next.js behind our own HTTP server, which forwards /trpc, /blobs and
 * /uploads to the API as they arrive, so the browser sees one origin and the API's address is chosen at run
 * time (Next's own rewrites are frozen into the build). Builds first when there is no production build or the
 * sources are newer than it (about a minute on two cores).
 */
export async function startWeb(opts: WebOptions): Promise<WebServer> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const apiUrl = new URL(opts.apiUrl);
  const analyticsUrl = new URL(opts.analyticsUrl ?? opts.apiUrl);
  const host = opts.host ?? '127.0.0.1';
  // Read by the dashboard's server components when they call the API.
  process.env.MICROSCOPE_API_URL = apiUrl.origin;
  process.env.MICROSCOPE_ANALYTICS_URL = analyticsUrl.origin;
  process.env.NEXT_TELEMETRY_DISABLED = '1';

  let buildMs: number | null = null;
  if (!opts.dev && buildIsStale()) {
    log('Building the dashboard (next build; about a minute on two cores)…');
    buildMs = await buildWhenFree(log);
    if (buildMs !== null) log(`Dashboard built in ${(buildMs / 1000).toFixed(1)} s.`);
  }

  const proxy = createApiProxy({ ingest: apiUrl, analytics: analyticsUrl });
  let handle: ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | null = null;
  const server = http.createServer((req, res) => {
    if (API_PATHS.test(req.url ?? '')) return proxy(req, res);
    if (!handle) return void res.writeHead(503, { 'retry-after': '1' }).end('starting');
    handle(req, res).catch((e: unknown) => {
      log(`dashboard request ${req.url} failed: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) res.writeHead(500).end('internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 3000, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  // Loaded here, not at the top: processes that never start the dashboard do not pay for Next.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const next = require('next') as typeof import('next').default;
  const app = next({ dev: !!opts.dev, dir: WEB_DIR, hostname: host, port, quiet: true });
  await app.prepare();
  const requestHandler = app.getRequestHandler();
  handle = (req, res) => requestHandler(req, res);

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`Microscope dashboard at ${url}`);
  return {
    url,
    buildMs,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

/** True when there is no production build, or a source file is newer than it. */
export function buildIsStale(dir = WEB_DIR): boolean {
  const buildId = path.join(dir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return true;
  const builtAt = statSync(buildId).mtimeMs;
  const sources = [path.join(dir, 'src'), path.join(dir, 'next.config.js'), path.join(dir, 'tsconfig.json')];
  return sources.some((p) => existsSync(p) && newestMtime(p) > builtAt);
}

function newestMtime(p: string): number {
  const info = statSync(p);
  if (!info.isDirectory()) return info.mtimeMs;
  // Tests do not change what is built.
  const names = readdirSync(p).filter((name) => !/\.spec\.tsx?$/.test(name));
  return names.reduce((newest, name) => Math.max(newest, newestMtime(path.join(p, name))), info.mtimeMs);
}

/**
 * Builds, unless another process (a second `npm start`, a test run) is building the same folder: then waits for
 * that build and uses it if it is current. Resolves with this process's build time, or null if it did not build.
 */
async function buildWhenFree(log: (line: string) => void): Promise<number | null> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      return await buildWeb(log);
    } catch (e) {
      if (!(e instanceof BuildBusyError) || Date.now() > deadline) throw e;
      log('Another process is building the dashboard; waiting for it…');
      await new Promise((r) => setTimeout(r, 5000));
      if (!buildIsStale()) return null;
    }
  }
}

class BuildBusyError extends Error {}

/** Runs `next build` for the dashboard in a child process; resolves with the time it took. */
export function buildWeb(log: (line: string) => void = console.log, dir = WEB_DIR): Promise<number> {
  const started = Date.now();
  const nextBin = require.resolve('next/dist/bin/next');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'build', dir], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(Date.now() - started);
      else if (output.includes('Another next build process is already running')) reject(new BuildBusyError('another next build is running'));
      else {
        log(output);
        reject(new Error(`next build failed with exit code ${code}; its output is above`));
      }
    });
  });
}

/**
 * Run on its own, the dashboard in front of an API that runs elsewhere (its own Deployment, or the product in
 * another process): `tsx tools/start/web.ts --api http://127.0.0.1:4300 [--analytics http://127.0.0.1:4302]
 * --port 3000 [--dev]`.
 */
if (require.main === module) {
  const { values } = parseArgs({
    options: { api: { type: 'string' }, analytics: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, dev: { type: 'boolean', default: false } },
  });
  startWeb({
    apiUrl: values.api ?? process.env.MICROSCOPE_API_URL ?? 'http://127.0.0.1:4300',
    analyticsUrl: values.analytics ?? process.env.MICROSCOPE_ANALYTICS_URL,
    port: Number(values.port ?? process.env.MICROSCOPE_WEB_PORT ?? 3000),
    host: values.host ?? process.env.MICROSCOPE_WEB_HOST,
    dev: values.dev,
  }).then(
    (web) => {
      const stop = () => void web.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (e: unknown) => {
      console.error(`microscope web: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
