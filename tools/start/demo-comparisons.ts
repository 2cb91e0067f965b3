import { SingleBar, Presets } from 'cli-progress';
import { jobHasEnded, type JobView } from '@microscope/contracts';
import { requestStudyComparisons } from '@microscope/ingest';
import { DEMO_STUDY } from './demo';
import type { Product } from './product';

/**
 * The demo study's comparisons, once its activations are extracted: every pair of versions (seeds, checkpoints,
 * architectures), requested incrementally (a restart queues nothing that is done) and shown as one progress bar
 * on a terminal, or a log line every few finished jobs otherwise. Returns the jobs in their final state.
 */
export async function computeDemoComparisons(product: Product): Promise<JobView[]> {
  const batch = await requestStudyComparisons({ catalog: product.catalog, jobs: product.ingest.jobs }, DEMO_STUDY);
  // Versions meant for another probe set (the natural-image model) are not extracted on every dataset: say how many.
  if (batch.skipped.length) console.log(`Demo comparisons leave out ${batch.skipped.length} version × dataset combination(s) without activations`);
  const ids = batch.requested.map((r) => r.job.id);
  const fresh = batch.requested.filter((r) => r.created).length;
  console.log(`Demo comparisons: ${ids.length} pairs of versions (${fresh} to compute, ${ids.length - fresh} already requested)`);
  const bar = process.stdout.isTTY ? new SingleBar({ format: 'comparisons [{bar}] {value}/{total} {message}', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(ids.length, 0, { message: '' });
  let reported = -1;
  for (;;) {
    const jobs = await Promise.all(ids.map((id) => product.catalog.getJob(id)));
    const ended = jobs.filter(jobHasEnded);
    const running = jobs.find((j) => j.status === 'running');
    bar?.update(ended.length, { message: running?.message.slice(0, 60) ?? '' });
    if (!bar && ended.length !== reported && (ended.length % 10 === 0 || ended.length === ids.length)) {
      reported = ended.length;
      console.log(`comparisons: ${ended.length}/${ids.length} done`);
    }
    if (ended.length === ids.length) {
      bar?.stop();
      for (const job of jobs.filter((j) => j.status === 'failed')) console.log(`comparison ${job.id} failed: ${job.message}`);
      console.log('Try: npx microscope compare demo small-cnn-seed1@s1-e6 small-cnn-seed2@s2-e6, or npx microscope trajectory demo small-cnn-seed1 conv2 3');
      return jobs;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
