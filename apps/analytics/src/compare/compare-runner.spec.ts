import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Catalog, catalogNow } from '@microscope/catalog';
import { envelope, parseMessage, Topics, type Job, type JobParams, type JobProgress, type ModelVersion } from '@microscope/contracts';
import { float64CrossProduct } from '@microscope/engine';
import { createLogger } from '@microscope/platform';
import { ChdbWarehouse, ClickHouseWarehouse, MemoryBus, type Row, type Warehouse } from '@microscope/storage';
import { bestMatchSummary, chainBestMatches, similarityToReference, storedLayerSimilarity, storedUnitMatches, versionsWithActivations } from './compare-queries';
import { COMPARE_GROUP, createCompareRunner } from './compare-runner';
import { readPooledMatrix } from './pooled-matrix';
import { addTestVersion } from './test-version';

/**
 * The comparison runner over the embedded bus and a warehouse: activation matrices planted in `unit_activations`,
 * a compare job on the jobs topic, results checked against definitions computed here; and the ways a job fails.
 * Runs on chDB always, and on a ClickHouse server (18.16 in CI) when MICROSCOPE_TEST_CLICKHOUSE_URL names one, since
 * the runner's and the queries' SQL must work on both.
 */
const IMAGES = 24;
const PERMUTATION = [2, 0, 3, 1]; // B's conv unit j is A's conv unit PERMUTATION[j], rescaled and shifted
const LAYERS = [
  { name: 'conv', op: 'conv2d', outputShape: [2, 2, 4], unitCount: 4, index: 0 },
  { name: 'dense', op: 'dense', outputShape: [3], unitCount: 3, index: 1 },
];

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

const randomLayer = (units: number, seed: number) => {
  const random = seeded(seed);
  return Array.from({ length: IMAGES }, () => Array.from({ length: units }, random));
};

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let ab = 0, aa = 0, bb = 0;
  a.forEach((_, k) => {
    ab += (a[k] - ma) * (b[k] - mb);
    aa += (a[k] - ma) ** 2;
    bb += (b[k] - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}
const columnOf = (m: number[][], j: number) => m.map((row) => row[j]);

/** Linear CKA from its definition, on explicit centred columns. */
function linearCka(x: number[][], y: number[][]): number {
  const centred = (m: number[][]) => m[0].map((_, j) => {
    const c = columnOf(m, j);
    const mean = c.reduce((s, v) => s + v, 0) / c.length;
    return c.map((v) => v - mean);
  });
  const dot = (a: number[], b: number[]) => a.reduce((s, v, k) => s + v * b[k], 0);
  const f = (p: number[][], q: number[][]) => p.reduce((s, a) => s + q.reduce((t, b) => t + dot(a, b) ** 2, 0), 0);
  const [cx, cy] = [centred(x), centred(y)];
  return f(cx, cy) / Math.sqrt(f(cx, cx) * f(cy, cy));
}

type OpenWarehouse = () => Promise<{ warehouse: Warehouse; cleanup: () => Promise<void> }>;

function describeRunner(label: string, open: OpenWarehouse): void {
  describe(label, () => {
    let warehouse: Warehouse;
    let bus: MemoryBus;
    let catalog: Catalog;
    let stop: () => Promise<void>;
    let cleanup: () => Promise<void>;
    const progress: JobProgress[] = [];
    const ids = { studyId: '', datasetId: '' };
    const versions: Record<string, ModelVersion> = {};
    /** The stored (float32) activations, images × units per "label/layer". */
    const stored = new Map<string, number[][]>();

    async function addVersion(label: string): Promise<ModelVersion> {
      versions[label] = await addTestVersion(catalog, ids.studyId, label, Object.keys(versions).length, LAYERS);
      return versions[label];
    }

    /** Stores a layer's activations (images × units) as the activation sink would, rounded to float32 as stored. */
    async function storeActivations(label: string, layer: string, values: number[][], images = IMAGES): Promise<void> {
      const rounded = values.map((row) => row.map(Math.fround));
      stored.set(`${label}/${layer}`, rounded);
      const rows: Row[] = [];
      for (let i = 0; i < images; i++) {
        rounded[i].forEach((v, unit) =>
          rows.push({ version_id: versions[label].id, dataset_id: ids.datasetId, layer, unit, image_index: i, mean: v, max: v, argmax_y: 0, argmax_x: 0 }),
        );
      }
      await warehouse.insert('unit_activations', rows);
    }

    async function publishJob(params: JobParams, jobId = randomUUID()): Promise<Job> {
      const job: Job = { id: jobId, studyId: ids.studyId, kind: params.kind, params, createdAt: catalogNow() };
      await bus.publish(Topics.jobs, [{ key: params.versionId, value: JSON.stringify(envelope('job.requested', job, `${job.id}:${Math.random()}`)) }]);
      return job;
    }

    const compareParams = (a: string, b: string, extra: Partial<JobParams> = {}): JobParams =>
      ({
        kind: 'compare',
        versionId: versions[a].id,
        otherVersionId: versions[b].id,
        datasetId: ids.datasetId,
        layers: [],
        otherLayers: [],
        metrics: ['cka', 'dcka', 'svcca'],
        topK: 3,
        ...extra,
      }) as JobParams;

    async function until(done: () => boolean): Promise<void> {
      for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(done()).toBe(true);
    }
    const ended = (jobId: string) => () => progress.some((p) => p.jobId === jobId && (p.status === 'succeeded' || p.status === 'failed'));
    const finalEvent = (jobId: string) => progress.filter((p) => p.jobId === jobId).at(-1)!;

    beforeAll(async () => {
      const opened = await open();
      warehouse = opened.warehouse;
      cleanup = opened.cleanup;
      await warehouse.migrate();
      bus = new MemoryBus({ partitions: 2 });
      await bus.ensureTopics(Object.values(Topics));
      catalog = new Catalog(warehouse);
      const runner = createCompareRunner(
        { warehouse, catalog, bus, log: createLogger('test', 'silent'), retryDelayMs: 20, progressIntervalMs: 0, crossProduct: () => float64CrossProduct },
      );
      await runner.start();
      stop = runner.stop;
      await bus.subscribe({
        topic: Topics.progress,
        group: 'test',
        handler: async (m) => {
          const parsed = parseMessage(m.value);
          if (parsed.type === 'job.progress') progress.push(parsed.payload);
        },
      });

      ids.studyId = (await catalog.createStudy('s')).id;
      ids.datasetId = randomUUID();
      await catalog.addDataset(
        { id: ids.datasetId, studyId: ids.studyId, name: 'probe', description: '', imageCount: IMAGES, createdAt: catalogNow() },
        Array.from({ length: IMAGES }, (_, index) => ({
          datasetId: ids.datasetId,
          index,
          contentHash: String(index).padStart(64, '0'),
          key: `datasets/${ids.datasetId}/${index}.png`,
          width: 2,
          height: 2,
          channels: 1,
          label: '',
        })),
      );
      await addVersion('a');
      await addVersion('b');
      const convA = randomLayer(4, 1);
      await storeActivations('a', 'conv', convA);
      await storeActivations('a', 'dense', randomLayer(3, 2));
      await storeActivations('b', 'conv', convA.map((row) => PERMUTATION.map((from, j) => 3 * row[from] + 0.5 * j)));
      await storeActivations('b', 'dense', randomLayer(3, 3));
    });

    afterAll(async () => {
      await stop();
      await bus.close();
      await cleanup();
    });

    describe('compare runner', () => {
      let job: Job;
      beforeAll(async () => {
        job = await publishJob(compareParams('a', 'b'));
        await until(ended(job.id));
      });

      it('succeeds and says what it compared', () => {
        expect(finalEvent(job.id)).toMatchObject({ status: 'succeeded', progress: 1, message: expect.stringContaining('m@a vs m@b on probe: 2 × 2 layers') });
        expect(progress.some((p) => p.jobId === job.id && p.status === 'running' && p.progress > 0 && p.progress < 1)).toBe(true);
      });

      it('recovers a permutation (with per-unit scale and shift) as best matches with correlation 1, both ways', async () => {
        for (const [j, from] of PERMUTATION.entries()) {
          const forward = await storedUnitMatches(warehouse, { datasetId: ids.datasetId, versionId: versions.a.id, layer: 'conv', unit: from, otherVersionIds: [versions.b.id] });
          const best = forward.find((m) => m.method === 'correlation' && m.otherLayer === 'conv' && m.rank === 0)!;
          expect(best.otherUnit).toBe(j);
          expect(best.correlation).toBeCloseTo(1, 6);
          const oneToOne = forward.find((m) => m.method === 'hungarian' && m.otherLayer === 'conv')!;
          expect(oneToOne.otherUnit).toBe(j);
          const backward = await storedUnitMatches(warehouse, { datasetId: ids.datasetId, versionId: versions.b.id, layer: 'conv', unit: j, otherVersionIds: [] });
          expect(backward.find((m) => m.method === 'correlation' && m.otherLayer === 'conv' && m.rank === 0)!.otherUnit).toBe(from);
          expect(backward.find((m) => m.method === 'hungarian' && m.otherLayer === 'conv')!.otherUnit).toBe(from);
        }
      });

      it('stores every unit\'s top-k in every layer of the other version, equal to the definition of correlation', async () => {
        for (const layer of LAYERS) {
          for (let unit = 0; unit < layer.unitCount; unit++) {
            const matches = await storedUnitMatches(warehouse, { datasetId: ids.datasetId, versionId: versions.a.id, layer: layer.name, unit, otherVersionIds: [versions.b.id] });
            for (const other of LAYERS) {
              const expected = Array.from({ length: other.unitCount }, (_, j) => ({
                j,
                r: pearson(columnOf(stored.get(`a/${layer.name}`)!, unit), columnOf(stored.get(`b/${other.name}`)!, j)),
              }))
                .sort((x, y) => y.r - x.r)
                .slice(0, 3);
              const got = matches.filter((m) => m.method === 'correlation' && m.otherLayer === other.name);
              expect(got.map((m) => m.otherUnit)).toEqual(expected.map((e) => e.j));
              got.forEach((m, rank) => expect(m.correlation).toBeCloseTo(expected[rank].r, 9));
            }
          }
        }
      });

      it('stores the layer × layer similarity both ways round; CKA of the permuted layers is 1, the rest match the definition', async () => {
        const forward = await storedLayerSimilarity(warehouse, { datasetId: ids.datasetId, versionA: versions.a.id, versionB: versions.b.id, metrics: ['cka', 'dcka', 'svcca'] });
        const backward = await storedLayerSimilarity(warehouse, { datasetId: ids.datasetId, versionA: versions.b.id, versionB: versions.a.id, metrics: ['cka', 'dcka', 'svcca'] });
        expect(forward).toHaveLength(12);
        expect(backward).toHaveLength(12);
        const value = (entries: typeof forward, metric: string, a: string, b: string) => entries.find((e) => e.metric === metric && e.layerA === a && e.layerB === b)!.value;
        for (const metric of ['cka', 'dcka', 'svcca']) expect(value(forward, metric, 'conv', 'conv')).toBeCloseTo(1, 6);
        for (const a of ['conv', 'dense']) {
          for (const b of ['conv', 'dense']) {
            expect(value(forward, 'cka', a, b)).toBeCloseTo(linearCka(stored.get(`a/${a}`)!, stored.get(`b/${b}`)!), 9);
            expect(value(backward, 'cka', b, a)).toBe(value(forward, 'cka', a, b));
          }
        }
        expect(forward.every((e) => e.jobId === job.id)).toBe(true);
      });

      it('summarises how many units have a best match above a threshold', async () => {
        const summary = await bestMatchSummary(warehouse, { datasetId: ids.datasetId, versionA: versions.a.id, versionB: versions.b.id, threshold: 0.99 });
        const conv = summary.find((s) => s.layer === 'conv')!;
        expect(conv).toMatchObject({ units: 4, above: 4, sameLayer: { units: 4, above: 4 } });
        const dense = summary.find((s) => s.layer === 'dense')!;
        const bestOfDense = [0, 1, 2].map((u) =>
          Math.max(...LAYERS.flatMap((o) => Array.from({ length: o.unitCount }, (_, j) => pearson(columnOf(stored.get('a/dense')!, u), columnOf(stored.get(`b/${o.name}`)!, j))))),
        );
        expect(dense.meanBest).toBeCloseTo(bestOfDense.reduce((s, v) => s + v, 0) / 3, 9);
      });

      it('answers the queries trajectories are built from', async () => {
        const lookup = await chainBestMatches(warehouse, { datasetId: ids.datasetId, layer: 'conv', versionIds: [versions.a.id, versions.b.id] });
        const step = lookup(versions.a.id, versions.b.id, PERMUTATION[0]);
        expect(step).toMatchObject({ unit: 0 });
        expect((step as { correlation: number }).correlation).toBeCloseTo(1, 6);
        expect(lookup(versions.b.id, versions.a.id, 0)).toMatchObject({ unit: PERMUTATION[0] });
        expect(lookup(versions.a.id, randomUUID(), 0)).toBeNull();
        const curve = await similarityToReference(warehouse, { datasetId: ids.datasetId, metric: 'cka', referenceId: versions.b.id, versionIds: [versions.a.id] });
        expect(curve.map((c) => c.layer).sort()).toEqual(['conv', 'dense']);
        expect(curve.find((c) => c.layer === 'dense')!.value).toBeCloseTo(linearCka(stored.get('a/dense')!, stored.get('b/dense')!), 9);
        const extracted = await versionsWithActivations(warehouse, { datasetId: ids.datasetId, versionIds: [versions.a.id, versions.b.id, randomUUID()] });
        expect(extracted).toEqual(new Set([versions.a.id, versions.b.id]));
        expect(await versionsWithActivations(warehouse, { datasetId: ids.datasetId, layer: 'nope', versionIds: [versions.a.id] })).toEqual(new Set());
      });

      it('does not recompute a job that already succeeded when it is delivered again', async () => {
        await catalog.addJob(job);
        await catalog.addJobEvent({ jobId: job.id, seq: 0, status: 'succeeded', progress: 1, message: '', occurredAt: catalogNow() });
        const before = progress.filter((p) => p.jobId === job.id).length;
        await bus.publish(Topics.jobs, [{ key: versions.a.id, value: JSON.stringify(envelope('job.requested', job, `${job.id}:again`)) }]);
        for (let i = 0; i < 200 && !(await bus.drained(Topics.jobs, COMPARE_GROUP)); i++) await new Promise((r) => setTimeout(r, 25));
        expect(await bus.drained(Topics.jobs, COMPARE_GROUP)).toBe(true);
        expect(progress.filter((p) => p.jobId === job.id)).toHaveLength(before);
      });

      it('ignores jobs of other kinds (render runs them)', async () => {
        const other = await publishJob({ kind: 'activations', versionId: versions.a.id, datasetId: ids.datasetId, layers: [], batchSize: 8, topK: 4 });
        for (let i = 0; i < 200 && !(await bus.drained(Topics.jobs, COMPARE_GROUP)); i++) await new Promise((r) => setTimeout(r, 25));
        expect(progress.filter((p) => p.jobId === other.id)).toEqual([]);
      });
    });

    describe('compare runner failures name the problem and what to do', () => {
      it('a version without activations: names the extraction and the command that runs it', async () => {
        await addVersion('c');
        const job = await publishJob(compareParams('a', 'c'));
        await until(ended(job.id));
        expect(finalEvent(job.id)).toMatchObject({ status: 'failed' });
        expect(finalEvent(job.id).message).toContain('no activations of m@c on dataset "probe"');
        expect(finalEvent(job.id).message).toContain('"microscope run activations s --model m --version c --dataset probe"');
      });

      it('a version with part of its activations: says they are incomplete', async () => {
        await addVersion('d');
        await storeActivations('d', 'conv', randomLayer(4, 9));
        const job = await publishJob(compareParams('d', 'a'));
        await until(ended(job.id));
        expect(finalEvent(job.id).message).toMatch(/activations of m@d on dataset "probe" are incomplete \(layer dense: 0 of 72 values\)/);
      });

      it('an unknown layer: lists the layers there are', async () => {
        const job = await publishJob(compareParams('a', 'b', { layers: ['nope'] } as Partial<JobParams>));
        await until(ended(job.id));
        expect(finalEvent(job.id)).toMatchObject({ status: 'failed', message: 'm@a has no layer(s) nope; its layers are conv, dense' });
      });
    });

    describe('readPooledMatrix', () => {
      it('reads the stored matrix exactly, whether one unit per query or all at once', async () => {
        const key = { versionId: versions.b.id, datasetId: ids.datasetId, layer: 'conv', units: 4, images: IMAGES };
        const oneUnitPerRead = await readPooledMatrix(warehouse, key, { maxValuesPerRead: IMAGES });
        const whole = await readPooledMatrix(warehouse, key);
        expect(Array.from(oneUnitPerRead.data)).toEqual(stored.get('b/conv')!.flat());
        expect(Array.from(whole.data)).toEqual(Array.from(oneUnitPerRead.data));
      });
    });
  });
}

describeRunner('on chDB', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'compare-runner-'));
  const warehouse = new ChdbWarehouse(dir);
  return {
    warehouse,
    cleanup: async () => {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const clickhouseUrl = process.env.MICROSCOPE_TEST_CLICKHOUSE_URL;
if (clickhouseUrl) {
  describeRunner('on a ClickHouse server', async () => {
    const database = `microscope_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const warehouse = new ClickHouseWarehouse({ url: clickhouseUrl, database });
    return {
      warehouse,
      cleanup: async () => {
        await warehouse.close();
        const admin = new ClickHouseWarehouse({ url: clickhouseUrl, database: 'default' });
        await admin.exec('DROP DATABASE IF EXISTS {db:Identifier}', { db: database });
        await admin.close();
      },
    };
  });
}
