import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Catalog } from '@microscope/catalog';
import { encodeFloat32, encodeUint16, envelope, parseMessage, Topics, type JobProgress } from '@microscope/contracts';
import { createLogger } from '@microscope/platform';
import { ChdbWarehouse, MemoryBus } from '@microscope/storage';
import { createActivationSink } from './activation-sink';
import { unitStats, unitTopK } from '../queries/unit-queries';

/**
 * The sink alone, over the embedded bus and warehouse: batches in (twice, as at-least-once delivery may),
 * completion → statistics; a completion whose batches never arrived fails the job instead of hanging it.
 */
describe('activation sink', () => {
  let dir: string;
  let warehouse: ChdbWarehouse;
  let bus: MemoryBus;
  const progress: JobProgress[] = [];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sink-'));
    warehouse = new ChdbWarehouse(dir);
    await warehouse.migrate();
    bus = new MemoryBus({ partitions: 2 });
    await bus.ensureTopics(Object.values(Topics));
    const sink = createActivationSink({ warehouse, catalog: new Catalog(warehouse), bus, log: createLogger('test', 'silent') }, { maxAttempts: 2, retryDelayMs: 50 });
    await sink.start();
    stop = sink.stop;
    await bus.subscribe({
      topic: Topics.progress,
      group: 'test',
      handler: async (m) => {
        const parsed = parseMessage(m.value);
        if (parsed.type === 'job.progress') progress.push(parsed.payload);
      },
    });
  });
  afterAll(async () => {
    await stop();
    await bus.close();
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  });

  const until = async (done: () => boolean) => {
    for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(done()).toBe(true);
  };

  it('stores redelivered batches once and computes statistics on completion', async () => {
    const ids = { jobId: randomUUID(), versionId: randomUUID(), datasetId: randomUUID() };
    // Two images × two units; unit 1's values are the negatives of unit 0's.
    const values = [1, -1, 3, -3];
    const batch = (b: number, images: number[], v: number[]) =>
      JSON.stringify(
        envelope(
          'activations.batch',
          {
            ...ids,
            layer: 'dense',
            batchIndex: b,
            imageIndices: images,
            units: 2,
            gridHeight: 1,
            gridWidth: 1,
            mean: encodeFloat32(v),
            max: encodeFloat32(v),
            argmaxY: encodeUint16(v.map(() => 0)),
            argmaxX: encodeUint16(v.map(() => 0)),
          },
          `${ids.jobId}:dense:${b}`,
        ),
      );
    const completed = JSON.stringify(
      envelope('activations.completed', { ...ids, layers: [{ name: 'dense', units: 2 }], imageCount: 2, topK: 2 }, `${ids.jobId}:completed`),
    );
    await bus.publish(Topics.activations, [
      { key: ids.versionId, value: batch(0, [0], values.slice(0, 2)) },
      { key: ids.versionId, value: batch(0, [0], values.slice(0, 2)) },
      { key: ids.versionId, value: batch(1, [1], values.slice(2)) },
      { key: ids.versionId, value: completed },
    ]);
    await until(() => progress.some((p) => p.jobId === ids.jobId && p.status === 'succeeded'));
    const key = { versionId: ids.versionId, datasetId: ids.datasetId, layer: 'dense' };
    const [stats0] = (await unitStats(warehouse, { ...key, unit: 0 })).filter((s) => s.pooling === 'mean');
    expect(stats0).toMatchObject({ count: 2, mean: 2, std: 1, min: 1, max: 3, fractionPositive: 1 });
    const [stats1] = (await unitStats(warehouse, { ...key, unit: 1 })).filter((s) => s.pooling === 'mean');
    expect(stats1).toMatchObject({ count: 2, mean: -2, fractionPositive: 0 });
    expect((await unitTopK(warehouse, { ...key, unit: 1 })).map((t) => [t.imageIndex, t.value])).toEqual([
      [0, -1],
      [1, -3],
    ]);
  });

  it('fails the job when a completion arrives without its batches', async () => {
    const ids = { jobId: randomUUID(), versionId: randomUUID(), datasetId: randomUUID() };
    await bus.publish(Topics.activations, [
      {
        key: ids.versionId,
        value: JSON.stringify(envelope('activations.completed', { ...ids, layers: [{ name: 'conv', units: 4 }], imageCount: 10, topK: 3 }, `${ids.jobId}:completed`)),
      },
    ]);
    await until(() => progress.some((p) => p.jobId === ids.jobId));
    expect(progress.find((p) => p.jobId === ids.jobId)).toMatchObject({ status: 'failed', message: expect.stringContaining('0 of 40 activation rows') });
  });
});
