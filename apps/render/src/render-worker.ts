import { isMicroscopeError, MicroscopeError, parseMessage, Topics, type Job } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import type { Logger } from '@microscope/platform';
import type { BlobStore, Bus, IncomingMessage, Subscription } from '@microscope/storage';
import { extractActivations } from './activations/extract-activations';
import { ModelCache } from './models/model-cache';
import { ProgressReporter } from './progress';

export interface RenderOptions {
  catalog: Catalog;
  blobs: BlobStore;
  bus: Bus;
  log: Logger;
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

  async function handle(message: IncomingMessage): Promise<void> {
    const parsed = parseMessage(message.value);
    if (parsed.type !== 'job.requested') throw new Error(`unexpected message type ${parsed.type} on ${Topics.jobs}`);
    const job: Job = parsed.payload;
    // Comparisons are analytics' work; every group sees every job, each runs its own kinds.
    if (job.params.kind === 'compare') return;
    const progress = new ProgressReporter(options.bus, job.id, message.key);
    const log = options.log.child({ jobId: job.id, versionId: job.params.versionId, attempt: message.attempt });
    try {
      await progress.report('running', 0, message.attempt > 1 ? `retrying (attempt ${message.attempt})` : 'started');
      switch (job.params.kind) {
        case 'activations':
          await extractActivations({ ...options, models }, job, job.params, progress);
          break;
        default:
          throw new MicroscopeError('UNSUPPORTED', `render workers cannot run ${job.params.kind} jobs yet`);
      }
    } catch (e) {
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
      await subscription?.close();
      models.dispose();
    },
  };
}
export type RenderWorker = ReturnType<typeof createRenderWorker>;
