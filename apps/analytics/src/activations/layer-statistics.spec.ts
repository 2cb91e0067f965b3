import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChdbWarehouse } from '@microscope/storage';
import { unitStats, unitTopK } from '../queries/unit-queries';
import { computeLayerStatistics } from './layer-statistics';

/**
 * Statistics from the stored matrix, read a few units at a time: every unit's numbers must match a direct
 * computation from the values written, whatever the chunk boundaries and the order rows were inserted in.
 */
describe('computeLayerStatistics', () => {
  let dir: string;
  let warehouse: ChdbWarehouse;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'layer-stats-'));
    warehouse = new ChdbWarehouse(dir);
    await warehouse.migrate();
  });
  afterAll(async () => {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  });

  const UNITS = 5;
  const IMAGES = 7;
  /** Distinct, sign-mixed values per (unit, image), so a misplaced image changes the answer. */
  const value = (u: number, i: number) => ((u * 31 + i * 17) % 23) - 9 + u / 10;
  const ids = () => ({ versionId: randomUUID(), datasetId: randomUUID(), jobId: randomUUID() });

  async function store(key: ReturnType<typeof ids>, cells: { unit: number; image: number }[]) {
    await warehouse.insert(
      'unit_activations',
      cells.map(({ unit, image }) => ({
        version_id: key.versionId,
        dataset_id: key.datasetId,
        layer: 'conv',
        unit,
        image_index: image,
        mean: value(unit, image),
        max: value(unit, image) + 1,
        argmax_y: image % 3,
        argmax_x: unit % 2,
      })),
    );
  }
  const allCells = () => Array.from({ length: UNITS * IMAGES }, (_, k) => ({ unit: Math.floor(k / IMAGES), image: k % IMAGES }));

  it('matches a direct computation for every unit across chunk boundaries, whatever the insert order', async () => {
    const key = ids();
    // Reversed, and split across two inserts: the query must not depend on storage order.
    const cells = allCells().reverse();
    await store(key, cells.slice(0, 11));
    await store(key, cells.slice(11));
    // Two units per read: chunks {0,1}, {2,3}, {4}.
    await computeLayerStatistics(warehouse, { ...key, layer: 'conv', units: UNITS, imageCount: IMAGES, topK: 3, grid: { height: 3, width: 2 } }, { cellsPerChunk: 2 * IMAGES });
    for (let u = 0; u < UNITS; u++) {
      const unitKey = { versionId: key.versionId, datasetId: key.datasetId, layer: 'conv', unit: u };
      const means = Array.from({ length: IMAGES }, (_, i) => Math.fround(value(u, i)));
      const average = means.reduce((a, b) => a + b, 0) / IMAGES;
      const stats = (await unitStats(warehouse, unitKey)).find((s) => s.pooling === 'mean')!;
      expect(stats.count).toBe(IMAGES);
      expect(stats.mean).toBeCloseTo(average, 5);
      expect(stats.min).toBeCloseTo(Math.min(...means), 5);
      expect(stats.max).toBeCloseTo(Math.max(...means), 5);
      expect(stats.fractionPositive).toBeCloseTo(means.filter((m) => m > 0).length / IMAGES, 10);
      // Top-k by spatial max, with each image's own argmax.
      const expected = Array.from({ length: IMAGES }, (_, i) => ({ i, v: Math.fround(value(u, i) + 1) }))
        .sort((a, b) => b.v - a.v || a.i - b.i)
        .slice(0, 3);
      const topK = await unitTopK(warehouse, unitKey);
      expect(topK.map((t) => t.imageIndex)).toEqual(expected.map((e) => e.i));
      expect(topK.map((t) => [t.argmaxY, t.argmaxX])).toEqual(expected.map((e) => [e.i % 3, u % 2]));
    }
  });

  it('refuses a unit whose stored images are not exactly 0..n-1', async () => {
    const key = ids();
    // Unit 2 lacks image 4 and has image 7, which the dataset does not have: same count, wrong images.
    await store(key, [...allCells().filter((c) => !(c.unit === 2 && c.image === 4)), { unit: 2, image: 7 }]);
    await expect(
      computeLayerStatistics(warehouse, { ...key, layer: 'conv', units: UNITS, imageCount: IMAGES, topK: 3, grid: { height: 3, width: 2 } }),
    ).rejects.toThrow(/unit 2: activation rows are not images 0\.\.6/);
  });
});
