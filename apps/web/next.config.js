// @ts-check
const path = require('node:path');

const workspaceRoot = path.join(__dirname, '..', '..');

/** Routers the analytics service answers (tools/start/trpc-routing.ts's rule, checked by its spec). */
const ANALYTICS_PREFIXES = ['units', 'unitStats', 'layers', 'compare', 'tuning'];

/**
 * The dashboard. In production (`tools/start/web.ts`) its own HTTP server proxies /trpc, /blobs and /uploads to the
 * API at run time; the rewrites below serve the same purpose for a bare `next dev`, reading MICROSCOPE_API_URL when
 * the dev server starts (Next freezes rewrites into the build, so they cannot follow a production API's address).
 * @type {import('next').NextConfig}
 */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Types are checked by the `typecheck` target (tsc), which sees the whole workspace; the build only compiles.
  typescript: { ignoreBuildErrors: true },
  turbopack: { root: workspaceRoot },
  outputFileTracingRoot: workspaceRoot,
  async rewrites() {
    const api = (process.env.MICROSCOPE_API_URL ?? 'http://127.0.0.1:4300').replace(/\/$/, '');
    const analytics = (process.env.MICROSCOPE_ANALYTICS_URL ?? api).replace(/\/$/, '');
    // Distributed mode: calls (and batches) of analytics procedures only go to analytics. A batch mixing both services
    // cannot be split by a rewrite; `tsx tools/start/web.ts --dev --api … --analytics …` splits them (api-proxy.ts).
    const procedure = `(?:${ANALYTICS_PREFIXES.join('|')})\\.[^,/]+`;
    const analyticsOnly = { source: `/trpc/:procedures(${procedure}(?:,${procedure})*)`, destination: `${analytics}/trpc/:procedures` };
    return [
      ...(analytics !== api ? [analyticsOnly] : []),
      ...['/trpc/:path*', '/blobs/:path*', '/uploads', '/uploads/:path*'].map((source) => ({ source, destination: `${api}${source}` })),
    ];
  },
};

module.exports = config;
