import { envelope, Topics, type JobStatus } from '@microscope/contracts';
import type { Bus } from '@microscope/storage';

/**
 * Publishes a job's progress on the progress topic (ingest records it as job events), keyed like the job so its
 * events stay in order. Intermediate "running" updates are throttled: each becomes a warehouse row, and a
 * comparison of two deep networks has thousands of layer pairs.
 */
export class JobProgress {
  private sequence = 0;
  private lastRunningAt = 0;

  constructor(
    private readonly bus: Bus,
    private readonly jobId: string,
    private readonly key: string,
    private readonly minIntervalMs = 1000,
  ) {}

  async report(status: JobStatus, progress: number, message = ''): Promise<void> {
    const payload = { jobId: this.jobId, status, progress: Math.max(0, Math.min(1, progress)), message: message.slice(0, 4000) };
    const id = `${this.jobId}:compare:${Date.now()}:${this.sequence++}`;
    await this.bus.publish(Topics.progress, [{ key: this.key, value: JSON.stringify(envelope('job.progress', payload, id)) }]);
  }

  /** A "running" update, dropped when the previous one went out less than minIntervalMs ago. */
  async running(progress: number, message: string): Promise<void> {
    const now = Date.now();
    if (now - this.lastRunningAt < this.minIntervalMs) return;
    this.lastRunningAt = now;
    await this.report('running', progress, message);
  }
}
