import { envelope, Topics, type JobStatus } from '@microscope/contracts';
import type { Bus } from '@microscope/storage';

/** Publishes a job's progress on the progress topic, keyed like the job so its events stay in order. */
export class ProgressReporter {
  private sequence = 0;

  constructor(
    private readonly bus: Bus,
    private readonly jobId: string,
    private readonly key: string,
  ) {}

  async report(status: JobStatus, progress: number, message = ''): Promise<void> {
    const payload = { jobId: this.jobId, status, progress: Math.max(0, Math.min(1, progress)), message };
    const id = `${this.jobId}:progress:${Date.now()}:${this.sequence++}`;
    await this.bus.publish(Topics.progress, [{ key: this.key, value: JSON.stringify(envelope('job.progress', payload, id)) }]);
  }
}
