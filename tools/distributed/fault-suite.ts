/**
 * Scaffolding shared by the fault specs: skip without the real servers, run one spec at a time, start a cluster with
 * a study (the model under test, a twin of it for the uninterrupted reference run, a probe set), leave the servers
 * running, and compare what a faulty run stored with the reference run.
 */
import path from 'node:path';
import { Topics } from '@microscope/contracts';
import { Cluster } from './cluster';
import { acquireSerialLock } from './serial-lock';
import { ensureServiceRunning, SERVERS_NEEDED, testServers, type TestServers } from './servers';
import { registerProbeSet, registerZooVersion, type RegisteredVersion } from './study';
import type { LayerRowCounts } from './warehouse-checks';

export const STUDY = 'faults';
export const MINUTE = 60_000;

/** `describe` for a fault spec: skipped with the reason unless the servers are there; serial with the others. */
export function describeWithServers(name: string, body: (servers: TestServers) => void): void {
  const servers = testServers();
  if (!servers) {
    describe(name, () => it.skip(SERVERS_NEEDED, () => undefined));
    return;
  }
  describe(name, () => {
    let release: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      release = await acquireSerialLock(40 * MINUTE);
    }, 41 * MINUTE);
    afterAll(async () => {
      // A failed test may have left a server stopped: the next spec (and the developer) expect them running.
      for (const service of ['kafka', 'clickhouse'] as const) await ensureServiceRunning(service);
      await release?.();
    }, 5 * MINUTE);
    // Nested, so the body's own afterAll (stopping its cluster) runs before the servers check above.
    describe('on the real servers', () => body(servers));
  });
}

export interface FaultStudy {
  cluster: Cluster;
  /** The version the fault hits. */
  subject: RegisteredVersion;
  /** The same model files under another model name, for an uninterrupted reference run. */
  twin: RegisteredVersion;
  datasetId: string;
  images: number;
}

export async function startFaultStudy(servers: TestServers, tag: string, renderWorkers: number, images: number): Promise<FaultStudy> {
  const cluster = await Cluster.start(servers, { tag, renderWorkers });
  try {
    const { api, ingestUrl } = cluster;
    await api.studies.create.mutate({ name: STUDY });
    const subject = await registerZooVersion(api, ingestUrl, STUDY, 'subject');
    const twin = await registerZooVersion(api, ingestUrl, STUDY, 'twin');
    const { datasetId } = await registerProbeSet(api, ingestUrl, STUDY, 'probe', images, path.join(cluster.logDir, 'probe'));
    return { cluster, subject, twin, datasetId, images };
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
}

/**
 * Checks that the faulty run stored exactly what the uninterrupted run did:
 * - every (layer, unit, image) activation row is there once as readers see it (FINAL), none missing, none outside;
 * - the activation matrix, every unit's statistics (both poolings, histograms) and its top-k equal the twin's.
 * Returns the row counts, stored copies included (see LayerRowCounts), for the spec to report.
 */
export async function expectSameAsUninterrupted(study: FaultStudy): Promise<LayerRowCounts[]> {
  const { cluster, subject, twin, datasetId, images } = study;
  const counts = await cluster.warehouse.activationCounts(subject.versionId, datasetId, subject.layers, images);
  for (const [i, layer] of subject.layers.entries()) {
    const expected = images * layer.units;
    expect({ layer: layer.name, final: counts[i].final, distinctKeys: counts[i].distinctKeys, outOfRange: counts[i].outOfRange }).toEqual({
      layer: layer.name,
      final: expected,
      distinctKeys: expected,
      outOfRange: 0,
    });
    expect(counts[i].stored).toBeGreaterThanOrEqual(expected);
  }

  const [subjectActivations, twinActivations] = await Promise.all([cluster.warehouse.activations(subject.versionId), cluster.warehouse.activations(twin.versionId)]);
  expect(subjectActivations).toHaveLength(images * subject.layers.reduce((n, l) => n + l.units, 0));
  expect(subjectActivations).toEqual(twinActivations);

  const [subjectStats, twinStats] = await Promise.all([cluster.warehouse.statistics(subject.versionId), cluster.warehouse.statistics(twin.versionId)]);
  expect(subjectStats).toHaveLength(2 * subject.layers.reduce((n, l) => n + l.units, 0));
  expect(subjectStats.every((s) => Number(s.count) === images)).toBe(true);
  expect(subjectStats).toEqual(twinStats);
  const [subjectTopK, twinTopK] = await Promise.all([cluster.warehouse.topK(subject.versionId), cluster.warehouse.topK(twin.versionId)]);
  expect(subjectTopK.length).toBeGreaterThan(0);
  expect(subjectTopK).toEqual(twinTopK);
  return counts;
}

/** How often each message id of a job was published on the activations topic (ids are `<job>:<layer>:<batch>`). */
export async function activationMessagesOf(cluster: Cluster, jobId: string, since: Map<number, bigint>): Promise<Map<string, number>> {
  const published = new Map<string, number>();
  for (const message of await cluster.kafka.readSince(Topics.activations, since)) {
    const id = (JSON.parse(message.value) as { id?: string }).id ?? '';
    if (id.startsWith(`${jobId}:`)) published.set(id, (published.get(id) ?? 0) + 1);
  }
  return published;
}

/** Every batch of every layer, and the completion, reached the activations topic. */
export function expectEveryBatchPublished(published: Map<string, number>, jobId: string, layers: { name: string }[], batches: number): void {
  const expected = [`${jobId}:completed`, ...layers.flatMap((l) => Array.from({ length: batches }, (_, b) => `${jobId}:${l.name}:${b}`))];
  const missing = expected.filter((id) => !published.has(id));
  expect(missing).toEqual([]);
  expect(published.size).toBe(expected.length);
}

/**
 * Samples `measure` every `intervalMs` until stopped and returns the largest value seen (for facts that merges erase
 * within seconds, such as rows stored twice before ClickHouse collapses them).
 */
export function sampleMaximum(measure: () => Promise<number>, intervalMs = 200): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await measure().catch(() => 0));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

/** One line for the test output: what a fault spec measured. */
export function report(title: string, facts: Record<string, unknown>): void {
  console.log(`${title}\n${JSON.stringify(facts, null, 2)}`);
}
