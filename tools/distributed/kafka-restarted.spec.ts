import { Topics } from '@microscope/contracts';
import {
  activationMessagesOf,
  describeWithServers,
  expectEveryBatchPublished,
  expectSameAsUninterrupted,
  MINUTE,
  report,
  startFaultStudy,
  STUDY,
  type FaultStudy,
} from './fault-suite';
import { serviceScript } from './servers';
import { ended, requestActivations, waitForJob } from './study';

/**
 * The Kafka broker is stopped and started again (tools/services/kafka.sh restart) while a render worker is publishing
 * a job's activation batches. Producers are idempotent and retry until the broker is back; consumers rejoin their
 * groups and resume from their committed offsets. Every batch must reach the topic and the warehouse, and the job
 * must end exactly as an uninterrupted run of the same model does.
 */
jest.setTimeout(15 * MINUTE);

const IMAGES = 100;
const BATCH_SIZE = 1;

describeWithServers('the Kafka broker restarted mid-job', (servers) => {
  let study: FaultStudy;

  beforeAll(async () => {
    study = await startFaultStudy(servers, 'kafka-restarted', 1, IMAGES);
  }, 10 * MINUTE);
  afterAll(() => study?.cluster.dispose(), 10 * MINUTE);

  it('loses no message and the job completes, with the results of an uninterrupted run', async () => {
    const { cluster, subject, twin } = study;
    // The reference first, so that the broker restart is the only thing that differs.
    const referenceJob = await requestActivations(cluster.api, STUDY, twin.model, BATCH_SIZE);
    expect(await waitForJob(cluster.api, referenceJob, ended, 10 * MINUTE)).toMatchObject({ status: 'succeeded' });

    const activationsBefore = await cluster.kafka.ends(Topics.activations);
    const jobId = await requestActivations(cluster.api, STUDY, subject.model, BATCH_SIZE);
    const midway = await waitForJob(cluster.api, jobId, (j) => ended(j) || (j.status === 'running' && j.progress >= 0.05), 5 * MINUTE, 50);
    expect(midway.status).toBe('running');
    expect(midway.progress).toBeLessThan(0.9);
    const restartStarted = Date.now();
    const restartSeconds = await serviceScript('kafka', 'restart');

    const done = await waitForJob(cluster.api, jobId, ended, 10 * MINUTE);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1 });
    // The extraction was still going when the broker went away: it finished after the restart began.
    const finished = await cluster.app('render-1').waitForLog((l) => l.msg === 'extraction finished' && l.jobId === jobId, 30_000, 'the end of the extraction');
    expect(Number(finished.time)).toBeGreaterThan(restartStarted);

    const published = await activationMessagesOf(cluster, jobId, activationsBefore);
    expectEveryBatchPublished(published, jobId, subject.layers, IMAGES / BATCH_SIZE);
    const counts = await expectSameAsUninterrupted(study);
    for (const app of cluster.apps.values()) expect({ app: app.name, running: app.running }).toEqual({ app: app.name, running: true });

    report('Kafka broker restarted mid-job', {
      progressAtRestart: midway.progress,
      restartSeconds,
      extractionSeconds: finished.seconds,
      batchMessagesPublished: [...published.values()].reduce((a, b) => a + b, 0),
      distinctBatchMessages: published.size,
      rowsPerLayer: counts,
    });
  });
});
