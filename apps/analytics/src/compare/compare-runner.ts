import { InvalidMessageError, isMicroscopeError, MicroscopeError, parseMessage, Topics, type CompareJobParams, type Job, type Layer } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import { fastestCrossProduct, type CrossProduct } from '@microscope/engine';
import type { Logger } from '@microscope/platform';
import type { Bus, IncomingMessage, Subscription, Warehouse } from '@microscope/storage';
import { toDateTimeText } from '@microscope/storage';
import { requireActivations, versionName } from './activation-prerequisites';
import { compareLayers } from './compare-layers';
import { ComparisonWriter } from './comparison-rows';
import { JobProgress } from './job-progress';
import { LayerMatrixCache } from './layer-matrix-cache';
import { readPooledMatrix } from './pooled-matrix';

export interface CompareRunnerOptions {
  warehouse: Warehouse;
  catalog: Catalog;
  bus: Bus;
  log: Logger;
  /** Deliveries of one job before it is declared failed (default 3). */
  maxAttempts?: number;
  retryDelayMs?: number;
  /**
   * Activation matrices kept across jobs, and B's prepared layers held within one, each up to this many bytes
   * (default 512 MiB): a study-wide comparison reads each version's activations once, not once per pair.
   */
  memoryBudgetBytes?: number;
  /** The matrix product (default: the fastest for the tensor backend selected when a job starts). */
  crossProduct?: () => CrossProduct;
  /** Least time between two "running" progress events of a job (default 1000 ms). */
  progressIntervalMs?: number;
}

/** The consumer group of comparison jobs: every group sees every job, and this one runs only `compare`. */
export const COMPARE_GROUP = 'analytics.compare';

/**
 * Runs comparison jobs from the jobs topic: for versions A and B on a shared probe dataset, the unit matches both
 * ways (top-k by correlation, and one-to-one per counterpart layer) and the layer × layer similarity for every
 * requested metric, stored under deterministic keys. Jobs run one at a time per process (each holds activation
 * matrices). A job whose input is wrong (missing activations, unknown layer) fails at once with a message saying
 * what to do; anything else is retried by redelivery and declared failed on its last attempt.
 */
export function createCompareRunner(options: CompareRunnerOptions) {
  const maxAttempts = options.maxAttempts ?? 3;
  const budget = options.memoryBudgetBytes ?? 512 * 1024 * 1024;
  const cache = new LayerMatrixCache(budget);
  let subscription: Subscription | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function handle(message: IncomingMessage): Promise<void> {
    const parsed = parseMessage(message.value);
    if (parsed.type !== 'job.requested') throw new InvalidMessageError(`unexpected message type ${parsed.type} on ${Topics.jobs}`);
    const job: Job = parsed.payload;
    if (job.params.kind !== 'compare') return; // render's work
    const params = job.params;
    const run = queue.then(() => runJob(job, params, message));
    queue = run.catch(() => undefined);
    return run;
  }

  async function runJob(job: Job, params: CompareJobParams, message: IncomingMessage): Promise<void> {
    const progress = new JobProgress(options.bus, job.id, message.key, options.progressIntervalMs);
    const log = options.log.child({ jobId: job.id, versionId: params.versionId, otherVersionId: params.otherVersionId, attempt: message.attempt });
    try {
      // At-least-once delivery: a job redelivered after it finished is not computed again.
      const current = await options.catalog.getJob(job.id).catch((e: unknown) => {
        if (isMicroscopeError(e) && e.code === 'NOT_FOUND') return null; // published without a catalog row (tools, tests)
        throw e;
      });
      if (current?.status === 'succeeded') return;
      await progress.report('running', 0, message.attempt > 1 ? `retrying (attempt ${message.attempt})` : 'started');
      const started = Date.now();
      const summary = await compare(job, params, progress);
      log.info({ seconds: (Date.now() - started) / 1000 }, 'comparison stored');
      await progress.report('succeeded', 1, summary);
    } catch (e) {
      const permanent = isMicroscopeError(e) && e.code !== 'UNAVAILABLE' && e.code !== 'INTERNAL';
      log.error({ err: e, permanent }, 'comparison failed');
      if (!permanent && message.attempt < maxAttempts) throw e;
      await progress.report('failed', 0, (e as Error).message);
    }
  }

  async function compare(job: Job, params: CompareJobParams, progress: JobProgress): Promise<string> {
    const { catalog, warehouse } = options;
    if (params.versionId === params.otherVersionId) throw new MicroscopeError('INVALID_INPUT', 'a comparison needs two different versions');
    const [versionA, versionB, dataset] = await Promise.all([
      catalog.getVersionById(params.versionId),
      catalog.getVersionById(params.otherVersionId),
      catalog.getDatasetById(params.datasetId),
    ]);
    const [nameA, nameB] = await Promise.all([versionName(catalog, versionA), versionName(catalog, versionB)]);
    const layersA = selectLayers(await catalog.listLayers(versionA.id), params.layers, nameA.ref);
    const layersB = selectLayers(await catalog.listLayers(versionB.id), params.otherLayers, nameB.ref);
    await requireActivations(options, versionA, dataset, layersA);
    await requireActivations(options, versionB, dataset, layersB);

    const writer = new ComparisonWriter(warehouse, {
      jobId: job.id,
      datasetId: dataset.id,
      versionA: versionA.id,
      versionB: versionB.id,
      computedAt: toDateTimeText(new Date()),
    });
    const versionOf = { a: versionA.id, b: versionB.id };
    const summary = await compareLayers(
      layersA.map((l) => ({ name: l.name, units: l.unitCount })),
      layersB.map((l) => ({ name: l.name, units: l.unitCount })),
      (side, layer) =>
        cache.get(`${versionOf[side]}/${dataset.id}/${layer.name}`, () =>
          readPooledMatrix(warehouse, { versionId: versionOf[side], datasetId: dataset.id, layer: layer.name, units: layer.units, images: dataset.imageCount }),
        ),
      {
        metrics: params.metrics,
        topK: params.topK,
        images: dataset.imageCount,
        crossProduct: (options.crossProduct ?? fastestCrossProduct)(),
        memoryBudgetBytes: budget,
        onPair: (result) => writer.addPair(result),
        onOneToOne: (result) => writer.addOneToOne(result),
        onProgress: (done, total, what) => progress.running((0.98 * done) / total, `${done}/${total}: ${what}`),
      },
    );
    await writer.flush();
    const notes = summary.skipped.length ? `; ${summary.skipped.join('; ')}` : '';
    return (
      `${nameA.ref} vs ${nameB.ref} on ${dataset.name}: ${layersA.length} × ${layersB.length} layers (${params.metrics.join(', ')}), ` +
      `top-${params.topK} unit matches both ways, ${summary.oneToOne} one-to-one matchings${notes}`
    );
  }

  return {
    async start(): Promise<void> {
      subscription = await options.bus.subscribe({ topic: Topics.jobs, group: COMPARE_GROUP, handler: handle, maxAttempts, retryDelayMs: options.retryDelayMs });
    },
    async stop(): Promise<void> {
      await subscription?.close();
      cache.clear();
    },
  };
}
export type CompareRunner = ReturnType<typeof createCompareRunner>;

/** The requested layers in graph order (all when none are named); unknown names are an input error. */
function selectLayers(all: Layer[], names: readonly string[], ref: string): Layer[] {
  if (!names.length) return all;
  const unknown = names.filter((n) => !all.some((l) => l.name === n));
  if (unknown.length) {
    throw new MicroscopeError('NOT_FOUND', `${ref} has no layer(s) ${unknown.join(', ')}; its layers are ${all.map((l) => l.name).join(', ')}`);
  }
  return all.filter((l) => names.includes(l.name));
}
