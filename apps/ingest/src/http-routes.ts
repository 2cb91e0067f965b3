import type { Route } from '@microscope/platform';
import { MicroscopeError } from '@microscope/contracts';
import type { BlobStore } from '@microscope/storage';
import type { UploadArea } from './uploads/upload-area';

/** Keys the API serves to browsers: probe images and renders, never models or uploads. */
const PUBLIC_BLOB = /^(datasets|renders)\//;

export function ingestRoutes(deps: { uploads: UploadArea; blobs: BlobStore }): Route[] {
  return [
    {
      // Starts an upload; files then go to PUT /uploads/<id>/<name>, and a register call consumes them.
      method: 'POST',
      path: /^\/uploads$/,
      async handle(_req, res) {
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ uploadId: deps.uploads.begin() }));
      },
    },
    {
      method: 'PUT',
      path: /^\/uploads\/(?<id>[^/]+)\/(?<name>[^/]+)$/,
      async handle(req, res, params) {
        const declared = Number(req.headers['content-length'] ?? NaN);
        const file = await deps.uploads.putFile(params.id, decodeURIComponent(params.name), req, Number.isFinite(declared) ? declared : undefined);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(file));
      },
    },
    {
      // Images by key, immutable (content-addressed), so browsers may cache them for a year.
      method: 'GET',
      path: /^\/blobs\/(?<key>.+)$/,
      async handle(req, res, params) {
        const key = decodeURIComponent(params.key);
        if (!PUBLIC_BLOB.test(key)) throw new MicroscopeError('NOT_FOUND', `no public object ${key}`);
        const info = await deps.blobs.stat(key);
        if (!info) throw new MicroscopeError('NOT_FOUND', `no object ${key}`);
        const etag = `"${info.etag}"`;
        const headers = { etag, 'cache-control': 'public, max-age=31536000, immutable' };
        if (req.headers['if-none-match'] === etag) return void res.writeHead(304, headers).end();
        res.writeHead(200, { ...headers, 'content-type': key.endsWith('.png') ? 'image/png' : 'application/octet-stream', 'content-length': info.size });
        (await deps.blobs.getStream(key)).pipe(res);
      },
    },
  ];
}
