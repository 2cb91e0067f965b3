import { Catalog } from '@microscope/catalog';
import { selectBackend, type BackendInfo } from '@microscope/engine';
import { createAnalytics } from '@microscope/analytics';
import { createIngest } from '@microscope/ingest';
import { createLogger, mergeRouters, parseEnv, ServerEnv, startApiServer, type ApiServer } from '@microscope/platform';
import { createRenderWorker, startRenderThread } from '@microscope/render';
import { createStorage, StorageConfig, type Storage } from '@microscope/storage';
import { z } from 'zod';

export const ProductEnv = StorageConfig.merge(ServerEnv).extend({
  MICROSCOPE_MAX_UPLOAD_MB: z.coerce.number().positive().default(512),
  /**
   * Render (forward passes, optimisation steps) on its own thread, so the API answers while models run; 'false'
   * runs it on the API's thread as before (simpler to debug, and the API stalls for seconds during model work).
   */
  MICROSCOPE_RENDER_THREAD: z.enum(['true', 'false']).default('true'),
});
export type ProductEnv = z.infer<typeof ProductEnv>;

/**
 * The whole product in one process: ingest, render, analytics and their API on one port, over whatever storage
 * the environment names (the embedded defaults unless told otherwise).
 */
export async function startProduct(env: ProductEnv = parseEnv(ProductEnv)) {
  const log = createLogger('microscope');
  const backend: BackendInfo = await selectBackend();
  log.info({ backend }, 'tensor backend selected');
  const storage: Storage = await createStorage(env);
  const catalog = new Catalog(storage.warehouse);

  const ingest = createIngest({
    catalog,
    blobs: storage.blobs,
    bus: storage.bus,
    log: log.child({ app: 'ingest' }),
    backend: () => backend,
    maxUploadBytes: env.MICROSCOPE_MAX_UPLOAD_MB * 1024 * 1024,
  });
  const renderLog = log.child({ app: 'render' });
  /** Render consumes jobs from here on: on its own thread (the default), or on this one. */
  const startRender = async (): Promise<{ stop(): Promise<void> }> => {
    if (env.MICROSCOPE_RENDER_THREAD === 'true') return startRenderThread({ warehouse: storage.warehouse, bus: storage.bus, storage: env, log: renderLog });
    const worker = createRenderWorker({ catalog, blobs: storage.blobs, bus: storage.bus, warehouse: storage.warehouse, log: renderLog });
    await worker.start();
    return worker;
  };
  const analytics = createAnalytics({ warehouse: storage.warehouse, catalog, bus: storage.bus, log: log.child({ app: 'analytics' }) });
  const [render] = await Promise.all([startRender(), ingest.start(), analytics.start()]);

  const router = mergeRouters(ingest.router, analytics.router);
  const server: ApiServer = await startApiServer({
    router,
    routes: ingest.routes,
    host: env.MICROSCOPE_HOST,
    port: env.MICROSCOPE_PORT,
    log,
    health: async () => ({ backend: backend.name, blobs: storage.blobs.kind, warehouse: storage.warehouse.kind, bus: storage.bus.kind }),
  });

  return {
    url: server.url,
    router,
    backend,
    catalog,
    storage,
    ingest,
    log,
    async stop(): Promise<void> {
      await server.close();
      await Promise.all([render.stop(), analytics.stop(), ingest.stop()]);
      await storage.close();
    },
  };
}

export type Product = Awaited<ReturnType<typeof startProduct>>;
/** The API's type, for typed clients (the CLI, the dashboard). */
export type ProductRouter = Product['router'];
