import type { Catalog } from '@microscope/catalog';
import type { Logger } from '@microscope/platform';
import type { Bus, Warehouse } from '@microscope/storage';
import { createActivationSink } from './activations/activation-sink';
import { createCompareRunner } from './compare/compare-runner';
import { createAnalyticsRouter } from './router';

/** The analytics app: stores activations, computes unit statistics, runs comparisons, answers unit, layer and comparison queries. */
export function createAnalytics(deps: { warehouse: Warehouse; catalog: Catalog; bus: Bus; log: Logger }) {
  const sink = createActivationSink(deps);
  const comparisons = createCompareRunner(deps);
  return {
    router: createAnalyticsRouter(deps),
    start: () => Promise.all([sink.start(), comparisons.start()]).then(() => undefined),
    stop: () => Promise.all([sink.stop(), comparisons.stop()]).then(() => undefined),
  };
}
export type Analytics = ReturnType<typeof createAnalytics>;
