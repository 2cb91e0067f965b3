import { Catalog } from '@microscope/catalog';
import { createLogger, parseEnv, runService, ServerEnv, startApiServer } from '@microscope/platform';
import { createStorage, StorageConfig } from '@microscope/storage';
import { createAnalytics } from './analytics-service';

/** The analytics app alone (distributed mode): stores activation batches, computes statistics, answers queries. */
const env = parseEnv(StorageConfig.merge(ServerEnv));
const log = createLogger('analytics');

runService('analytics', log, async () => {
  const storage = await createStorage(env);
  const analytics = createAnalytics({ warehouse: storage.warehouse, catalog: new Catalog(storage.warehouse), bus: storage.bus, log });
  await analytics.start();
  const server = await startApiServer({ router: analytics.router, host: env.MICROSCOPE_HOST, port: env.MICROSCOPE_PORT, log, health: async () => ({ app: 'analytics' }) });
  return {
    url: server.url,
    stop: async () => {
      await server.close();
      await analytics.stop();
      await storage.close();
    },
  };
});
