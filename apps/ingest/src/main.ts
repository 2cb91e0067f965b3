import { Catalog } from '@microscope/catalog';
import { selectBackend } from '@microscope/engine';
import { createLogger, parseEnv, runService, ServerEnv, startApiServer } from '@microscope/platform';
import { createStorage, StorageConfig } from '@microscope/storage';
import { z } from 'zod';
import { createIngest } from './ingest-service';

/** The ingest app alone (distributed mode): catalog API, uploads, job requests, progress recording. */
const env = parseEnv(StorageConfig.merge(ServerEnv).extend({ MICROSCOPE_MAX_UPLOAD_MB: z.coerce.number().positive().default(512) }));
const log = createLogger('ingest');

runService('ingest', log, async () => {
  // Validating an upload imports the model, so ingest needs a tensor backend too.
  const backend = await selectBackend({ logger: log });
  const storage = await createStorage(env);
  const ingest = createIngest({ catalog: new Catalog(storage.warehouse), blobs: storage.blobs, bus: storage.bus, log, backend: () => backend, maxUploadBytes: env.MICROSCOPE_MAX_UPLOAD_MB * 2 ** 20 });
  await ingest.start();
  const server = await startApiServer({ router: ingest.router, routes: ingest.routes, host: env.MICROSCOPE_HOST, port: env.MICROSCOPE_PORT, log, health: async () => ({ app: 'ingest' }) });
  return {
    url: server.url,
    stop: async () => {
      await server.close();
      await ingest.stop();
      await storage.close();
    },
  };
});
