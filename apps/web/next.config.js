// @ts-check
const path = require('node:path');

const workspaceRoot = path.join(__dirname, '..', '..');

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
    return ['/trpc/:path*', '/blobs/:path*', '/uploads', '/uploads/:path*'].map((source) => ({ source, destination: `${api}${source}` }));
  },
};

module.exports = config;
