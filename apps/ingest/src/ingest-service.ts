import type { Catalog } from '@microscope/catalog';
import type { Logger } from '@microscope/platform';
import type { BlobStore, Bus, Subscription } from '@microscope/storage';
import { ingestRoutes } from './http-routes';
import { JobService } from './jobs/job-service';
import { createIngestRouter, type IngestDeps } from './router';
import { UploadArea } from './uploads/upload-area';

export interface IngestOptions {
  catalog: Catalog;
  blobs: BlobStore;
  bus: Bus;
  log: Logger;
  backend: IngestDeps['backend'];
  maxUploadBytes: number;
}

/** The ingest app: catalog API, uploads, job requests, and the progress consumer that keeps job status. */
export function createIngest(options: IngestOptions) {
  const uploads = new UploadArea(options.blobs, { maxFileBytes: options.maxUploadBytes });
  const jobs = new JobService({ catalog: options.catalog, bus: options.bus, log: options.log });
  const deps: IngestDeps = { catalog: options.catalog, blobs: options.blobs, uploads, jobs, backend: options.backend };
  let subscription: Subscription | undefined;
  return {
    router: createIngestRouter(deps),
    routes: ingestRoutes({ uploads, blobs: options.blobs }),
    jobs,
    uploads,
    async start() {
      subscription = await jobs.consumeProgress();
    },
    async stop() {
      await subscription?.close();
    },
  };
}
export type Ingest = ReturnType<typeof createIngest>;
