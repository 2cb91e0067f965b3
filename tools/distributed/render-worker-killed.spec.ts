import { Topics } from '@microscope/contracts';
import {
  activationMessagesOf,
  describeWithServers,
  expectEveryBatchPublished,
  expectSameAsUninterrupted,
  MINUTE,
  report,
  sampleMaximum,
  startFaultStudy,
  STUDY,
  type FaultStudy,
} from './fault-suite';
import { ended, requestActivations, waitForJob } from './study';

/**
 * Two render workers share the jobs topic's partitions. The one holding a job is killed with SIGKILL mid-extraction
 * (no chance to close its consumer): after its Kafka session times out the group hands the job's partition to the
 * other worker, which runs the job again from the start (the message was never committed). Batches the dead worker
 * had published are published again with the same ids and keys, so analytics stores those rows twice; the
 * ReplacingMergeTree key (version, dataset, layer, unit, image) makes the copies one row for every reader (FINAL),
 * and a merge removes them from disk. The result must equal an uninterrupted run of the same model files.
 */
jest.setTimeout(15 * MINUTE);

const IMAGES = 200;
// One image per batch: ~200 progress steps, so there is a window to kill the worker mid-extraction.
const BATCH_SIZE = 1;

describeWithServers('a render worker killed with SIGKILL mid-job', (servers) => {
  let study: FaultStudy;

  beforeAll(async () => {
    study = await startFaultStudy(servers, 'render-killed', 2, IMAGES);
  }, 10 * MINUTE);
  afterAll(() => study?.cluster.dispose(), 10 * MINUTE);

  it('the other worker finishes the job; no activation row is lost or duplicated; statistics equal an uninterrupted run', async () => {
    const { cluster, subject } = study;
    const activationsBefore = await cluster.kafka.ends(Topics.activations);
    const jobId = await requestActivations(cluster.api, STUDY, subject.model, BATCH_SIZE);

    // Mid-extraction: some batches published (progress > 0), far from the end (extraction reports up to 0.9).
    const midway = await waitForJob(cluster.api, jobId, (j) => ended(j) || (j.status === 'running' && j.progress >= 0.05), 5 * MINUTE, 50);
    const victim = await cluster.renderWorkerHolding(subject.versionId);
    if (!victim) throw new Error('no render worker holds the job partition');
    const survivor = [...cluster.apps.values()].find((a) => a.kind === 'render' && a !== victim)!;
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    const copies = sampleMaximum(() => cluster.warehouse.storedDuplicates(subject.versionId));
    const atKill = await cluster.api.jobs.get.query({ jobId });
    expect(midway.status).toBe('running');
    expect(atKill.status).toBe('running');
    expect(atKill.progress).toBeLessThan(0.9);

    const done = await waitForJob(cluster.api, jobId, ended, 10 * MINUTE);
    const mostCopiesSeen = await copies.stop();
    expect(done).toMatchObject({ status: 'succeeded', progress: 1 });
    const finishedBy = (line: { msg?: string; jobId?: unknown }) => line.msg === 'extraction finished' && line.jobId === jobId;
    await survivor.waitForLog(finishedBy, 30_000, `"extraction finished" for job ${jobId}`);
    expect(victim.lines.some(finishedBy)).toBe(false);
    const takeoverSeconds = (Date.now() - killedAt) / 1000;
    const published = await activationMessagesOf(cluster, jobId, activationsBefore);
    expectEveryBatchPublished(published, jobId, subject.layers, IMAGES / BATCH_SIZE);
    const publishedTwice = [...published.values()].filter((n) => n > 1).length;

    // The reference: the same files under another model name, extracted with nothing going wrong.
    const referenceJob = await requestActivations(cluster.api, STUDY, study.twin.model, BATCH_SIZE);
    expect(await waitForJob(cluster.api, referenceJob, ended, 10 * MINUTE)).toMatchObject({ status: 'succeeded' });

    const counts = await expectSameAsUninterrupted(study);
    // Stored copies are physical only: once merged, the table holds each key once.
    await cluster.warehouse.mergeActivations();
    expect(await cluster.warehouse.storedDuplicates(subject.versionId)).toBe(0);

    report('render worker killed mid-job', {
      killed: victim.name,
      finishedBy: survivor.name,
      progressWhenKilled: atKill.progress,
      secondsFromKillToSucceeded: takeoverSeconds,
      rowsPerLayer: counts,
      batchMessagesPublishedTwice: publishedTwice,
      // Without FINAL: rows whose key was stored twice, at most, while the job ran (merges collapse them in seconds).
      mostRowsStoredTwiceSeen: mostCopiesSeen,
    });
  });
});
