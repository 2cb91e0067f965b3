import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Catalog, catalogNow } from '@microscope/catalog';
import type { ModelVersion } from '@microscope/contracts';
import { ChdbWarehouse, type Row } from '@microscope/storage';
import { MatchMethod } from './comparison-rows';
import { createCompareRouter } from './compare-router';
import { addTestVersion } from './test-version';

/**
 * compare.layerPairMatches (the dashboard's unit matching table of one heatmap cell) over planted `unit_matches`
 * rows on chDB: it must pick exactly the rows of the asked layer pair in the asked direction, group them per unit
 * in rank order, and keep the one-to-one partner apart.
 */
const LAYERS = [
  { name: 'conv', op: 'conv2d', outputShape: [2, 2, 3], unitCount: 3, index: 0 },
  { name: 'dense', op: 'dense', outputShape: [2], unitCount: 2, index: 1 },
];

let dir: string;
let warehouse: ChdbWarehouse;
let caller: ReturnType<ReturnType<typeof createCompareRouter>['createCaller']>;
const ids = { studyId: '', datasetId: '', a: '', b: '', c: '' };

const addVersion = (catalog: Catalog, label: string, ordinal: number): Promise<ModelVersion> => addTestVersion(catalog, ids.studyId, label, ordinal, LAYERS);

const match = (from: string, layer: string, unit: number, method: string, to: string, otherLayer: string, rank: number, otherUnit: number, score: number): Row => ({
  version_id: from,
  dataset_id: ids.datasetId,
  layer,
  unit,
  method,
  other_version_id: to,
  other_layer: otherLayer,
  rank,
  other_unit: otherUnit,
  score,
  job_id: 'job',
  computed_at: '2026-01-01 00:00:00',
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'compare-router-'));
  warehouse = new ChdbWarehouse(dir);
  await warehouse.migrate();
  const catalog = new Catalog(warehouse);
  ids.studyId = (await catalog.createStudy('s')).id;
  ids.datasetId = randomUUID();
  await catalog.addDataset({ id: ids.datasetId, studyId: ids.studyId, name: 'probe', description: '', imageCount: 4, createdAt: catalogNow() }, []);
  ids.a = (await addVersion(catalog, 'a', 0)).id;
  ids.b = (await addVersion(catalog, 'b', 1)).id;
  const { topK, oneToOne } = MatchMethod;
  await warehouse.insert('unit_matches', [
    // conv of A among conv of B: unit 0 → 2 then 1 (inserted out of rank order), unit 1 → 0, unit 2 has none (dead).
    match(ids.a, 'conv', 0, topK, ids.b, 'conv', 1, 1, 0.4),
    match(ids.a, 'conv', 0, topK, ids.b, 'conv', 0, 2, 0.9),
    match(ids.a, 'conv', 0, topK, ids.b, 'conv', 2, 0, 0.1),
    match(ids.a, 'conv', 1, topK, ids.b, 'conv', 0, 0, 0.8),
    match(ids.a, 'conv', 0, oneToOne, ids.b, 'conv', 0, 1, 0.4),
    match(ids.a, 'conv', 1, oneToOne, ids.b, 'conv', 0, 0, 0.8),
    // Rows the query must leave out: another layer of B, the other direction, another dataset.
    match(ids.a, 'conv', 0, topK, ids.b, 'dense', 0, 1, 0.99),
    match(ids.b, 'conv', 0, topK, ids.a, 'conv', 0, 2, 0.77),
    { ...match(ids.a, 'conv', 1, topK, ids.b, 'conv', 0, 2, 0.95), dataset_id: randomUUID() },
  ]);
  // A third version without activations on the probe set stays out of the study matrix.
  ids.c = (await addVersion(catalog, 'c', 2)).id;
  const activation = (version: string): Row => ({ version_id: version, dataset_id: ids.datasetId, layer: 'conv', unit: 0, image_index: 0, mean: 1, max: 1, argmax_y: 0, argmax_x: 0 });
  await warehouse.insert('unit_activations', [activation(ids.a), activation(ids.b)]);
  const similarity = (method: string, va: string, la: string, vb: string, lb: string, value: number): Row => ({
    dataset_id: ids.datasetId, method, version_a: va, layer_a: la, version_b: vb, layer_b: lb, value, job_id: 'job', computed_at: '2026-01-01 00:00:00',
  });
  await warehouse.insert('layer_similarity', [
    similarity('cka', ids.a, 'conv', ids.b, 'conv', 0.9),
    similarity('cka', ids.b, 'conv', ids.a, 'conv', 0.9),
    similarity('cka', ids.a, 'conv', ids.b, 'dense', 0.3),
    similarity('cka', ids.b, 'dense', ids.a, 'conv', 0.3),
    similarity('svcca', ids.a, 'conv', ids.b, 'conv', 0.5),
    similarity('cka', ids.a, 'conv', ids.c, 'conv', 0.1),
  ]);
  caller = createCompareRouter({ warehouse, catalog }).createCaller({});
});

afterAll(async () => {
  await warehouse?.close();
  await rm(dir, { recursive: true, force: true });
});

const pair = { study: 's', model: 'm', version: 'a', otherModel: 'm', otherVersion: 'b', layer: 'conv', otherLayer: 'conv' };

describe('compare.layerPairMatches', () => {
  it('lists every unit of the layer with its best matches in the other layer, best first, and its one-to-one partner', async () => {
    const result = await caller.layerPairMatches(pair);
    expect(result.computed).toBe(true);
    expect(result.dataset).toBe('probe');
    expect(result.a).toEqual({ model: 'm', version: 'a', layer: 'conv', units: 3 });
    expect(result.b).toEqual({ model: 'm', version: 'b', layer: 'conv', units: 3 });
    expect(result.units).toEqual([
      { unit: 0, best: [{ unit: 2, correlation: 0.9 }, { unit: 1, correlation: 0.4 }, { unit: 0, correlation: 0.1 }], oneToOne: { unit: 1, correlation: 0.4 } },
      { unit: 1, best: [{ unit: 0, correlation: 0.8 }], oneToOne: { unit: 0, correlation: 0.8 } },
      { unit: 2, best: [], oneToOne: null },
    ]);
  });

  it('keeps at most k matches per unit', async () => {
    const result = await caller.layerPairMatches({ ...pair, k: 1 });
    expect(result.units[0].best).toEqual([{ unit: 2, correlation: 0.9 }]);
  });

  it('reads the other direction as its own table', async () => {
    const result = await caller.layerPairMatches({ ...pair, version: 'b', otherVersion: 'a' });
    expect(result.units[0].best).toEqual([{ unit: 2, correlation: 0.77 }]);
    expect(result.units.slice(1).every((u) => u.best.length === 0)).toBe(true);
  });

  it('says when nothing is stored for the pair', async () => {
    const result = await caller.layerPairMatches({ ...pair, layer: 'dense', otherLayer: 'dense' });
    expect(result.computed).toBe(false);
    expect(result.units).toEqual([
      { unit: 0, best: [], oneToOne: null },
      { unit: 1, best: [], oneToOne: null },
    ]);
  });

  it('names a layer that does not exist', async () => {
    await expect(caller.layerPairMatches({ ...pair, otherLayer: 'conv9' })).rejects.toThrow('no layer named "conv9" in m@b');
  });
});

describe('compare.studyLayers', () => {
  it('lays every layer of every extracted version against every other, one metric, with what is not compared as null', async () => {
    const result = await caller.studyLayers({ study: 's' });
    expect(result.metric).toBe('cka');
    expect(result.versions.map((v) => `${v.model}@${v.version}`)).toEqual(['m@a', 'm@b']);
    expect(result.versions[0].layers).toEqual([{ name: 'conv', units: 3 }, { name: 'dense', units: 2 }]);
    expect(result).toMatchObject({ pairs: 1, compared: 1 });
    // Rows and columns: a/conv, a/dense, b/conv, b/dense.
    expect(result.values).toEqual([
      [1, null, 0.9, 0.3],
      [null, 1, null, null],
      [0.9, null, 1, null],
      [0.3, null, null, 1],
    ]);
  });

  it('reads the metric asked for, and only the layers asked for', async () => {
    const result = await caller.studyLayers({ study: 's', metric: 'svcca', layers: ['conv'] });
    expect(result.versions.map((v) => v.layers.map((l) => l.name))).toEqual([['conv'], ['conv']]);
    expect(result.values).toEqual([
      [1, 0.5],
      [null, 1],
    ]);
  });
});
