/**
 * Distributed mode on the real servers (tools/services), as JSON:
 * - activation rows/s into the ClickHouse server, for each insert format tried (tools/services/throughput.ts);
 * - bus messages/s through Kafka, published and handled end to end (the same);
 * - extraction images/s with two and then one render worker: two activation jobs at once (two versions of a demo-zoo
 *   model whose jobs land on different workers) over a Fashion-MNIST probe set, timed from the request to the last
 *   "succeeded" (statistics stored), the apps as separate processes. One worker runs both jobs concurrently (it
 *   handles several partitions at once), so the difference is what a second process adds on this machine.
 *
 * Usage (servers up: tools/services/all.sh up; eval "$(tools/services/env.sh)"):
 *   npx tsx tools/bench/distributed.ts [--quick] [--images 2000] [--rows 500000] [--messages 20000] [--batch 64]
 * Without the servers it prints why it skipped and exits 0 (so `npm run bench` runs everywhere).
 * Uses the apps' fixed Kafka consumer groups: it waits for the fault specs (tools/distributed) and they wait for it.
 */
import os from 'node:os';
import path from 'node:path';
import type { JobView } from '@microscope/contracts';
import { Cluster } from '../distributed/cluster';
import { acquireSerialLock } from '../distributed/serial-lock';
import { SERVERS_NEEDED, testServers, type TestServers } from '../distributed/servers';
import { ended, registerProbeSet, registerZooVersion, requestActivations, waitForJob, ZOO_MODEL, type RegisteredVersion } from '../distributed/study';
import { measureClickHouseInserts, measureKafka } from '../services/throughput';

const quick = process.argv.includes('--quick');
const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const IMAGES = flag('images', quick ? 400 : 2000);
const ROWS = flag('rows', quick ? 100_000 : 500_000);
const MESSAGES = flag('messages', quick ? 5000 : 20_000);
const BATCH_SIZE = flag('batch', 64);
const JOBS = 2;
const STUDY = 'bench';

/** The servers from MICROSCOPE_TEST_* (as .ci/run sets them) or else from the apps' own MICROSCOPE_* variables. */
function servers(): TestServers | null {
  const env = process.env;
  return (
    testServers() ??
    testServers({
      MICROSCOPE_TEST_KAFKA_BROKERS: env.MICROSCOPE_KAFKA_BROKERS,
      MICROSCOPE_TEST_S3_ENDPOINT: env.MICROSCOPE_S3_ENDPOINT,
      MICROSCOPE_TEST_S3_ACCESS_KEY: env.MICROSCOPE_S3_ACCESS_KEY,
      MICROSCOPE_TEST_S3_SECRET_KEY: env.MICROSCOPE_S3_SECRET_KEY,
      MICROSCOPE_TEST_CLICKHOUSE_URL: env.MICROSCOPE_BUS === 'kafka' ? env.MICROSCOPE_CLICKHOUSE_URL : undefined,
    })
  );
}

/**
 * Registers the zoo model under new names until `count` of them travel on jobs-topic partitions held by different
 * render workers (a job is one message: two workers only share work when the jobs' keys land on both of them).
 */
async function versionsSpreadOverWorkers(cluster: Cluster, count: number): Promise<RegisteredVersion[]> {
  const chosen = new Map<string, RegisteredVersion>();
  for (let i = 0; chosen.size < count && i < 16; i++) {
    const version = await registerZooVersion(cluster.api, cluster.ingestUrl, STUDY, `bench-${i}`);
    const holder = await cluster.kafka.holderOf('render', 'microscope.jobs', version.versionId);
    if (holder && !chosen.has(holder)) chosen.set(holder, version);
  }
  if (chosen.size < count) throw new Error(`could not find ${count} versions whose jobs go to different workers`);
  return [...chosen.values()];
}

async function waitForMembers(cluster: Cluster, members: number): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const got = await cluster.kafka.members('render');
    if (got.length === members && got.every((m) => (m.assignment['microscope.jobs'] ?? []).length > 0)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the render group did not settle on ${members} member(s)`);
}

/** Requests one job per version at once and times them from the request to the last "succeeded". */
async function timeJobs(cluster: Cluster, versions: RegisteredVersion[], workers: number) {
  const started = Date.now();
  const ids = await Promise.all(versions.map((v) => requestActivations(cluster.api, STUDY, v.model, BATCH_SIZE)));
  const jobs: JobView[] = await Promise.all(ids.map((id) => waitForJob(cluster.api, id, ended, 60 * 60_000, 200)));
  const seconds = (Date.now() - started) / 1000;
  const failed = jobs.filter((j) => j.status !== 'succeeded');
  if (failed.length) throw new Error(`job(s) failed: ${failed.map((j) => j.message).join('; ')}`);
  // What the workers logged for the extraction alone (model forward passes, image decoding, publishing).
  const extraction = [...cluster.apps.values()]
    .filter((a) => a.kind === 'render')
    .flatMap((a) => a.lines.filter((l) => l.msg === 'extraction finished' && ids.includes(String(l.jobId))).map((l) => ({ worker: a.name, seconds: Number(l.seconds) })));
  return {
    renderWorkers: workers,
    jobs: ids.length,
    images: ids.length * IMAGES,
    secondsRequestToSucceeded: round(seconds),
    imagesPerSecond: round((ids.length * IMAGES) / seconds),
    extractionSecondsPerJob: extraction.map((e) => ({ ...e, seconds: round(e.seconds) })),
  };
}

async function extractionThroughput(servers: TestServers) {
  const cluster = await Cluster.start(servers, { tag: 'bench', renderWorkers: 2 });
  try {
    await cluster.api.studies.create.mutate({ name: STUDY });
    const registering = Date.now();
    const { datasetId } = await registerProbeSet(cluster.api, cluster.ingestUrl, STUDY, 'probe', IMAGES, path.join(cluster.logDir, 'probe'));
    const registrationSeconds = (Date.now() - registering) / 1000;
    await waitForMembers(cluster, 2);
    // Two workers first: the versions are chosen for the partition assignment of this very group membership.
    const versions = await versionsSpreadOverWorkers(cluster, JOBS);
    const two = await timeJobs(cluster, versions, 2);
    await cluster.app('render-2').stop('SIGTERM');
    await waitForMembers(cluster, 1);
    const one = await timeJobs(cluster, versions, 1);
    return {
      model: `${ZOO_MODEL.model}@${ZOO_MODEL.label} (demo zoo, 28×28×1, 5 layers, 58 units)`,
      probeImages: IMAGES,
      datasetId,
      batchSize: BATCH_SIZE,
      datasetRegistration: { seconds: round(registrationSeconds), imagesPerSecond: round(IMAGES / registrationSeconds) },
      runs: [two, one],
      speedupWithTwoWorkers: round(two.imagesPerSecond / one.imagesPerSecond),
    };
  } finally {
    await cluster.dispose();
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const found = servers();
  if (!found) {
    console.log(JSON.stringify({ bench: 'distributed', skipped: SERVERS_NEEDED }, null, 2));
    return;
  }
  const release = await acquireSerialLock(60 * 60_000);
  try {
    const load = os.loadavg()[0];
    const clickhouse = await measureClickHouseInserts(found.clickhouseUrl, ROWS);
    const kafka = await measureKafka(found.kafkaBrokers, MESSAGES, 200, false);
    const extraction = await extractionThroughput(found);
    console.log(
      JSON.stringify(
        {
          bench: 'distributed',
          servers: { clickhouse: found.clickhouseUrl, kafka: found.kafkaBrokers, s3: found.s3Endpoint },
          cpus: os.cpus().length,
          loadAverageAtStart: round(load),
          loadAverageAtEnd: round(os.loadavg()[0]),
          clickhouseActivationRowsPerSecond: clickhouse,
          kafka,
          extraction,
        },
        null,
        2,
      ),
    );
  } finally {
    await release();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
