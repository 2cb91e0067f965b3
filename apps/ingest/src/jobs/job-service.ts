import { randomUUID } from 'node:crypto';
import {
  envelope,
  InvalidMessageError,
  parseMessage,
  Topics,
  type Job,
  type JobParams,
  type JobProgress,
  type JobView,
} from '@microscope/contracts';
import { catalogNow, type Catalog } from '@microscope/catalog';
import type { Logger } from '@microscope/platform';
import type { Bus, Subscription } from '@microscope/storage';

/** The key a job travels under: its model version, so one version's work stays in order on one partition. */
export const jobKey = (params: JobParams): string => params.versionId;

/**
 * Creates jobs (catalog row + "queued" event), publishes them to the work topic, and records the progress
 * events workers send back. Requests are idempotent: asking again for work that is queued, running or done
 * returns the existing job unless `force` is set; a failed job is retried by asking again.
 */
export class JobService {
  constructor(
    private readonly deps: { catalog: Catalog; bus: Bus; log: Logger },
  ) {}

  async request(studyId: string, params: JobParams, force = false): Promise<{ job: JobView; created: boolean }> {
    if (!force) {
      const existing = (await this.deps.catalog.listJobs({ studyId })).find(
        (j) => j.kind === params.kind && sameParams(j.params, params) && j.status !== 'failed',
      );
      if (existing) return { job: existing, created: false };
    }
    const job: Job = { id: randomUUID(), studyId, kind: params.kind, params, createdAt: catalogNow() };
    await this.deps.catalog.addJob(job);
    await this.deps.catalog.addJobEvent({ jobId: job.id, seq: 0, status: 'queued', progress: 0, message: '', occurredAt: job.createdAt });
    await this.deps.bus.publish(Topics.jobs, [{ key: jobKey(params), value: JSON.stringify(envelope('job.requested', job, job.id)) }]);
    this.deps.log.info({ jobId: job.id, versionId: params.versionId, kind: job.kind }, 'job queued');
    return { job: await this.deps.catalog.getJob(job.id), created: true };
  }

  /** Records progress events from every worker into job_events. */
  async consumeProgress(): Promise<Subscription> {
    return this.deps.bus.subscribe({
      topic: Topics.progress,
      group: 'ingest.progress',
      handler: async (message) => {
        const parsed = parseMessage(message.value);
        if (parsed.type !== 'job.progress') throw new InvalidMessageError(`unexpected message type ${parsed.type} on ${Topics.progress}`);
        await this.record(parsed.payload);
      },
    });
  }

  private async record(progress: JobProgress): Promise<void> {
    const seq = await this.deps.catalog.nextEventSeq(progress.jobId);
    await this.deps.catalog.addJobEvent({ ...progress, seq, occurredAt: new Date().toISOString() });
  }
}

const sameParams = (a: JobParams, b: JobParams): boolean => JSON.stringify(a) === JSON.stringify(b);
