import {
  describeWithServers,
  expectSameAsUninterrupted,
  MINUTE,
  report,
  sampleMaximum,
  startFaultStudy,
  STUDY,
  type FaultStudy,
} from './fault-suite';
import { serviceScript } from './servers';
import { ended, requestActivations, waitForJob } from './study';

/**
 * The ClickHouse server is stopped and started again (tools/services/clickhouse.sh restart) while analytics is
 * writing a job's activation rows. Every warehouse call is retried while the server cannot be reached; an insert
 * that did reach the server before the connection broke may be stored twice, which the ReplacingMergeTree key makes
 * one row for readers. No row may be missing or duplicated for readers, and the statistics must equal those of an
 * uninterrupted run of the same model.
 */
jest.setTimeout(15 * MINUTE);

const IMAGES = 100;
const BATCH_SIZE = 1;

describeWithServers('the ClickHouse server restarted mid-ingest', (servers) => {
  let study: FaultStudy;

  beforeAll(async () => {
    study = await startFaultStudy(servers, 'clickhouse-restarted', 1, IMAGES);
  }, 10 * MINUTE);
  afterAll(() => study?.cluster.dispose(), 10 * MINUTE);

  it('retries the writes; no activation row is lost or duplicated; statistics equal an uninterrupted run', async () => {
    const { cluster, subject, twin, datasetId } = study;
    const referenceJob = await requestActivations(cluster.api, STUDY, twin.model, BATCH_SIZE);
    expect(await waitForJob(cluster.api, referenceJob, ended, 10 * MINUTE)).toMatchObject({ status: 'succeeded' });

    const expectedRows = IMAGES * subject.layers.reduce((n, l) => n + l.units, 0);
    const storedRows = async () =>
      (await cluster.warehouse.activationCounts(subject.versionId, datasetId, subject.layers, IMAGES)).reduce((n, c) => n + c.final, 0);
    const jobId = await requestActivations(cluster.api, STUDY, subject.model, BATCH_SIZE);

    // Mid-ingest: some of the job's rows are in the warehouse, most are still to come.
    const deadline = Date.now() + 5 * MINUTE;
    let rowsAtRestart = 0;
    while ((rowsAtRestart = await storedRows()) < expectedRows * 0.05) {
      if (Date.now() > deadline) throw new Error(`analytics stored only ${rowsAtRestart} of ${expectedRows} rows in 5 minutes`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rowsAtRestart).toBeLessThan(expectedRows * 0.9);
    const restartStarted = Date.now();
    const copies = sampleMaximum(() => cluster.warehouse.storedDuplicates(subject.versionId));
    const restartSeconds = await serviceScript('clickhouse', 'restart');

    const done = await waitForJob(cluster.api, jobId, ended, 10 * MINUTE);
    const mostCopiesSeen = await copies.stop();
    expect(done).toMatchObject({ status: 'succeeded', progress: 1 });
    // The server the rows ended up in is the restarted one.
    expect(await cluster.warehouse.serverUptime()).toBeLessThanOrEqual((Date.now() - restartStarted) / 1000 + 1);
    const counts = await expectSameAsUninterrupted(study);
    for (const app of cluster.apps.values()) expect({ app: app.name, running: app.running }).toEqual({ app: app.name, running: true });

    report('ClickHouse server restarted mid-ingest', {
      rowsStoredAtRestart: rowsAtRestart,
      rowsExpected: expectedRows,
      restartSeconds,
      // Without FINAL: rows stored twice (an insert retried after it had reached the server), at most, while it ran.
      mostRowsStoredTwiceSeen: mostCopiesSeen,
      rowsPerLayer: counts,
    });
  });
});
