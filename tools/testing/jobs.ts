import { jobHasEnded, type JobView } from '@microscope/contracts';
import type { ApiClient } from '../cli/api-client';

/** Polls the API until every job has ended, and returns them in the order asked (the tests' jest timeout bounds it). */
export async function waitForJobs(api: ApiClient, ids: string[], intervalMs = 200): Promise<JobView[]> {
  for (;;) {
    const jobs = await Promise.all(ids.map((jobId) => api.jobs.get.query({ jobId })));
    if (jobs.every(jobHasEnded)) return jobs;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
