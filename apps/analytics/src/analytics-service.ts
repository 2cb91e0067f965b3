import type { Catalog } from '@microscope/catalog';
import type { Logger } from '@microscope/platform';
import type { Bus, Warehouse } from '@microscope/storage';
import { createActivationSink } from './activations/activation-sink';
import { createAnalyticsRouter } from './router';

/** The analytics app: stores activations, computes unit statistics, answers unit and layer queries. */
export function createAnalytics(deps: { warehouse: Warehouse; catalog: Catalog; bus: Bus; log: Logger }) {
  const sink = createActivationSink(deps);
  return {
    router: createAnalyticsRouter(deps),
    start: () => sink.start(),
    stop: () => sink.stop(),
  };
}
export type Analytics = ReturnType<typeof createAnalytics>;
