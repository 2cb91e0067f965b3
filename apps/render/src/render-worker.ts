import { InvalidMessageError, isMicroscopeError, MicroscopeError, parseMessage, Topics, type Job } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import type { Logger } from '@microscope/platform';
import type { BlobStore, Bus, IncomingMessage, Subscription, Warehouse } from '@microscope/storage';
import { extractActivations } from './activations/extract-activations';
import { ModelCache } from './models/model-cache';
import { ProgressReporter } from './progress';
import { caricatureJob } from './renders/caricature-job';
import { dreamJob } from './renders/dream-job';
import { OneAtATime } from './renders/one-at-a-time';
import { tuningJob } from './renders/tuning-job';
import { visualizeJob } from './renders/visualize-job';

export interface RenderOptions {
  catalog: Catalog;
  blobs: BlobStore;
  bus: Bus;
  log: Logger;
  /** Where tuning jobs store their curves; without it they fail with an error saying so. */
  warehouse?: Warehouse;
  /** Deliveries of one job before it is declared failed. */
  maxAttempts?: number;
}

/**
 * The render worker: consumes job commands, runs the model work and reports progress. Errors in the input
 * (a bad model, a missing layer) fail the job at once; anything else is retried by redelivery, and the job is
 * declared failed on its last attempt so that its status never stays "running".
 */
export function createRenderWorker(options: RenderOptions) {
  const models = new ModelCache(options.blobs);
  const maxAttempts = options.maxAttempts ?? 3;
  let subscription: Subscription | undefined;
  // Stopping aborts a render between two steps; its message stays unacknowledged and the job resumes later.
  const stopping = new AbortController();
  const renders = new OneAtATime();
  const renderDeps = { ...options, models, signal: stopping.signal };

  /** Runs one job of a kind render does. */
  async function runJob(job: Job, progress: ProgressReporter, started: () => Promise<void>, exclusive: (work: () => Promise<void>) => Promise<void>): Promise<void> {
    const params = job.params;
    switch (params.kind) {
      case 'activations':
        await started();
        await extractActivations({ ...options, models }, job, params, progress);
        break;
      case 'visualize':
        await exclusive(() => visualizeJob(renderDeps, job, params, progress));
        break;
      case 'dream':
        await exclusive(() => dreamJob(renderDeps, job, params, progress));
        break;
      case 'caricature':
        await exclusive(() => caricatureJob(renderDeps, job, params, progress));
        break;
      case 'tuning':
        await exclusive(() => tuningJob(renderDeps, job, params, progress));
        break;
      default:
        throw new MicroscopeError('UNSUPPORTED', `render workers cannot run ${job.kind} jobs`);
    }
  }

  async function handle(message: IncomingMessage): Promise<void> {
    const parsed = parseMessage(message.value);
    if (parsed.type !== 'job.requested') throw new InvalidMessageError(`unexpected message type ${parsed.type} on ${Topics.jobs}`);
    const job: Job = parsed.payload;
    // Comparisons are analytics' work; every group sees every job, each runs its own kinds.
    if (job.params.kind === 'compare') return;
    const progress = new ProgressReporter(options.bus, job.id, message.key);
    const log = options.log.child({ jobId: job.id, versionId: job.params.versionId, attempt: message.attempt });
    const started = () => progress.report('running', 0, message.attempt > 1 ? `retrying (attempt ${message.attempt})` : 'started');
    /** Optimisations and sweeps one at a time; a job waiting its turn stays "queued". */
    const exclusive = (work: () => Promise<void>) =>
      renders.run(async () => {
        stopping.signal.throwIfAborted();
        await started();
        await work();
      });
    try {
      // The models this job gets stay loaded until it ends, even if jobs of other versions push them out of the cache.
      await models.hold(() => runJob(job, progress, started, exclusive));
    } catch (e) {
      // Stopped half-way: leave the message unacknowledged so the job resumes on the next start.
      if (stopping.signal.aborted) throw e;
      const permanent = isMicroscopeError(e) && e.code !== 'UNAVAILABLE' && e.code !== 'INTERNAL';
      log.error({ err: e, permanent }, 'job failed');
      if (!permanent && message.attempt < maxAttempts) throw e;
      await progress.report('failed', 0, (e as Error).message);
    }
  }

  return {
    async start(): Promise<void> {
      subscription = await options.bus.subscribe({ topic: Topics.jobs, group: 'render', handler: handle, maxAttempts });
    },
    async stop(): Promise<void> {
      stopping.abort();
      await subscription?.close();
      models.dispose();
    },
  };
}
export type RenderWorker = ReturnType<typeof createRenderWorker>;
