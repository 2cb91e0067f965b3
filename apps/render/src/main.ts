import { Catalog } from '@microscope/catalog';
import { selectBackend } from '@microscope/engine';
import { createLogger, parseEnv, router, runService, ServerEnv, startApiServer } from '@microscope/platform';
import { createStorage, StorageConfig } from '@microscope/storage';
import { createRenderWorker } from './render-worker';

/** One render worker (distributed mode): run as many as there are machines; they share the jobs topic's partitions. */
const env = parseEnv(StorageConfig.merge(ServerEnv));
const log = createLogger('render');

runService('render', log, async () => {
  const backend = await selectBackend({ logger: log });
  const storage = await createStorage(env);
  const worker = createRenderWorker({ catalog: new Catalog(storage.warehouse), blobs: storage.blobs, bus: storage.bus, warehouse: storage.warehouse, log });
  await worker.start();
  // No API: the server is there for the health endpoint Kubernetes probes.
  const server = await startApiServer({ router: router({}), host: env.MICROSCOPE_HOST, port: env.MICROSCOPE_PORT, log, health: async () => ({ app: 'render', backend }) });
  return {
    url: server.url,
    stop: async () => {
      await server.close();
      await worker.stop();
      await storage.close();
    },
  };
});
